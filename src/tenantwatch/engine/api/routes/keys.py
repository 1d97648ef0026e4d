"""Admin API of the keys: list them (never a secret) and revoke one at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from tenantwatch.engine.api.deps import AdminDep
from tenantwatch.engine.api.errors import ApiError
from tenantwatch.engine.api.params import RowId
from tenantwatch.engine.api.responses import AUTHENTICATED, KeyList, KeyOut, errors
from tenantwatch.engine.auth import list_keys, revoke_key

router = APIRouter(prefix="/keys", tags=["keys"], responses=AUTHENTICATED)


@router.get("", summary="List API keys (admin): id, name, scope, tenant, created_at, revoked_at; never the secret",
            response_model=KeyList)
def keys(request: Request, _: AdminDep) -> dict[str, Any]:
    return {"items": list_keys(request.app.state.store)}


@router.delete("/{key_id}", summary="Revoke an API key (admin): refused at once, dashboard sessions included",
               response_model=KeyOut, responses=errors(404))
def revoke(request: Request, key_id: RowId, principal: AdminDep) -> dict[str, Any]:
    key = revoke_key(request.app.state.store, key_id, who=principal.name, clock=request.app.state.clock)
    if key is None:
        raise ApiError(404, "not_found", f"key {key_id} not found")
    request.app.state.events.publish({"type": "key", "id": key_id})  # live dashboard streams check their key
    return key
