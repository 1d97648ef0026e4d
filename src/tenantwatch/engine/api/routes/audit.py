"""GET /api/v1/audit: the audit log, scoped like incidents (admin: all or ?tenant=, tenant: own;
a tenant key naming another tenant gets 403)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tenantwatch.engine.api.deps import ReaderDep, SessionDep, TenantParam
from tenantwatch.engine.audit import entries, entry_json, export_jsonl

router = APIRouter(tags=["audit"])


@router.get("/audit", summary="Audit log (JSON page, or ?format=jsonl for a full export)", response_model=None)
def audit_log(principal: ReaderDep, session: SessionDep, tenant: TenantParam,
              format: Literal["json", "jsonl"] = "json",
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              after: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any] | StreamingResponse:
    scope = tenant if principal.is_admin else principal.tenant
    if format == "jsonl":
        lines = list(export_jsonl(session, tenant=scope))
        return StreamingResponse(iter(lines), media_type="application/x-ndjson")
    rows = entries(session, tenant=scope, limit=limit, after_id=after)
    return {"items": [entry_json(r) for r in rows], "next_after": rows[-1].id if len(rows) == limit else None}
