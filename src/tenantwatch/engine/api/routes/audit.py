"""GET /api/v1/audit: the audit log, scoped like incidents (admin: all or ?tenant=, tenant: own;
a tenant key naming another tenant gets 403)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tenantwatch.engine.api.deps import ReaderDep, SessionDep
from tenantwatch.engine.api.params import TenantParam
from tenantwatch.engine.api.responses import AUTHENTICATED, AuditPage, errors
from tenantwatch.engine.audit import entries, entry_json, export_jsonl
from tenantwatch.engine.store.models import MAX_ROW_ID

router = APIRouter(tags=["audit"], responses=AUTHENTICATED)
JSONL = "application/x-ndjson"


@router.get("/audit", summary="Audit log (JSON page, or ?format=jsonl for a full export)", response_model=AuditPage,
            responses={**errors(404), 200: {"content": {JSONL: {"schema": {
                "type": "string", "description": "One audit entry (JSON) per line"}}}}})
def audit_log(principal: ReaderDep, session: SessionDep, tenant: TenantParam,
              format: Annotated[Literal["json", "jsonl"], Query(description="json: one page; jsonl: everything")] = "json",
              limit: Annotated[int, Query(ge=1, le=1000, description="Page size (json).")] = 100,
              after: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="The `next_after` of the previous page.")]
              = 0) -> dict[str, Any] | StreamingResponse:
    scope = tenant if principal.is_admin else principal.tenant
    if format == "jsonl":
        lines = list(export_jsonl(session, tenant=scope))
        return StreamingResponse(iter(lines), media_type=JSONL)
    rows = entries(session, tenant=scope, limit=limit, after_id=after)
    return {"items": [entry_json(r) for r in rows], "next_after": rows[-1].id if len(rows) == limit else None}
