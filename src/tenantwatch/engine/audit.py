"""The audit log: append-only rows of who did what to which tenant's data, and its export."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantwatch.engine.store.models import AuditEntry


def record(session: Session, *, at: dt.datetime, who: str, tenant: str | None, action: str,
           detail: dict[str, Any] | None = None) -> None:
    """Append one entry in the caller's transaction (so it commits with what it describes)."""
    session.add(AuditEntry(at=at, who=who, tenant=tenant, action=action, detail=detail or {}))


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "who": entry.who, "tenant": entry.tenant,
            "action": entry.action, "detail": entry.detail}


def entries(session: Session, *, tenant: str | None, limit: int | None = None, after_id: int = 0) -> list[AuditEntry]:
    """Entries in order; tenant=None means every tenant (admin only)."""
    query = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
    if tenant is not None:
        query = query.where(AuditEntry.tenant == tenant)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def export_jsonl(session: Session, *, tenant: str | None, batch: int = 1000) -> Iterator[str]:
    """The log as JSON lines, read in batches so a long log never sits in memory at once."""
    after = 0
    while rows := entries(session, tenant=tenant, limit=batch, after_id=after):
        for row in rows:
            yield json.dumps(entry_json(row)) + "\n"
        after = rows[-1].id
