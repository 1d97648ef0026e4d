"""Annotated dependencies so routes read like the domain and cannot forget the scope.

`PrincipalDep`: the caller's key (401 without a valid one); `ReaderDep`: a tenant or admin key
(403 for an intake key); `AdminDep`: an admin key; `EngineDep`: the EngineService;
`SessionDep`: a read session. (`TenantParam` and the other parameters are in params.py.)
"""

from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from tenantwatch.engine.api.errors import ApiError
from tenantwatch.engine.api.security import failed_authentication
from tenantwatch.engine.auth import Principal
from tenantwatch.engine.usecases import EngineService


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_principal(request: Request) -> Principal:
    """The key's principal; a wrong key is counted by the failed-authentication limiter (429
    with Retry-After past its limits), a valid one never reaches the limiter."""
    token = bearer_token(request)
    principal = request.app.state.verify_key(token)
    if principal is None:
        if token and (retry_after := failed_authentication(request)) is not None:
            raise ApiError(429, "too_many_failures", f"too many failed authentications; retry in {retry_after} s",
                           {"Retry-After": str(retry_after)})
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)",
                       {"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_reader(principal: PrincipalDep) -> Principal:
    if principal.kind not in ("tenant", "admin"):
        raise ApiError(403, "forbidden", "this key may only post alerts; use a tenant or admin key")
    return principal


ReaderDep = Annotated[Principal, Depends(get_reader)]


def get_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "forbidden", "this needs an admin key")
    return principal


AdminDep = Annotated[Principal, Depends(get_admin)]




async def get_engine(request: Request) -> EngineService:
    """Async: no worker-thread hop for a lookup (it runs on every webhook)."""
    return request.app.state.engine


EngineDep = Annotated[EngineService, Depends(get_engine)]


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.store.read() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
