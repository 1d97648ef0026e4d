"""Query and path parameters of the JSON API, bounded so that a bad value is a 4xx naming the
parameter before it reaches the database (where an overflowing integer would be a 500).

`RowId`: an incident or key id in the path; `Cursor`: a list's `next_cursor`, read back;
`TenantParam`: an optional `?tenant=`, a tenant id that exists, which a tenant key may only
set to its own tenant (403 otherwise, whether the other tenant exists or not).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import exists, or_, select

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.engine.api.deps import ReaderDep
from tenantwatch.engine.api.errors import ApiError
from tenantwatch.engine.intake.payload import tenant_problem
from tenantwatch.engine.store.models import MAX_ROW_ID, ApiKey, Incident

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The id (a positive integer)")]


def checked_cursor(value: str | None) -> int | None:
    """The id a page continues before: ASCII digits within MAX_ROW_ID (str.isdigit() would let
    '١٢' and '²' through), else 400."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and int(value) <= MAX_ROW_ID):
        raise ApiError(400, "bad_cursor", "query.cursor: must be the next_cursor of a previous page")
    return int(value)


def printable(name: str, value: str | None) -> str | None:
    """A text parameter without control characters (a NUL cannot even be compared in PostgreSQL)."""
    if value is not None and not value.isprintable():
        raise ApiError(422, "invalid_request", f"query.{name}: control characters are not allowed")
    return value


Cursor = Annotated[str | None, Query(max_length=24, description="The `next_cursor` of the previous page.")]


def _known(request: Request, tenant: str) -> bool:
    """A tenant of the spec, the platform, or one the store knows (its incidents or keys)."""
    if tenant == PLATFORM_TENANT or tenant in request.app.state.spec.tenants:
        return True
    with request.app.state.store.read() as session:
        return bool(session.scalar(select(or_(exists().where(Incident.tenant == tenant),
                                              exists().where(ApiKey.tenant == tenant)))))


def tenant_param(request: Request, principal: ReaderDep, tenant: Annotated[str | None, Query(
        max_length=64, description="A tenant id: an admin may name any tenant, a tenant key only its own (403 otherwise).")]
        = None) -> str | None:
    """The `tenant` query parameter: a tenant id (422), the caller's own unless an admin (403),
    and one that exists (404)."""
    if not tenant:
        return None
    if problem := tenant_problem(tenant):
        raise ApiError(422, "invalid_request", f"query.tenant: {problem}")
    if not principal.is_admin and tenant != principal.tenant:
        raise ApiError(403, "forbidden", f"a key of tenant {principal.tenant} may not ask for another tenant's data")
    if not _known(request, tenant):
        raise ApiError(404, "not_found", f"query.tenant: no tenant {tenant} (not in the spec, no incident, no key)")
    return tenant


TenantParam = Annotated[str | None, Depends(tenant_param)]
