"""Retention: resolved incidents (with their alerts, timeline, escalations, messages), audit
entries and remediation attempts older than a cut-off are deleted; open incidents are never
touched."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from tenantwatch.engine.store.db import Store
from tenantwatch.engine.store.models import (Alert, AuditEntry, Escalation, Incident, OutboxMessage, RemediationAttempt,
                                             TimelineEvent)


def purge(store: Store, before: dt.datetime) -> dict[str, int]:
    """Delete what is older than `before`; returns counts per kind."""
    with store.write() as session:
        old = select(Incident.id).where(Incident.status == "resolved", Incident.resolved_at < before)
        ids = list(session.scalars(old))
        for model in (Alert, TimelineEvent, Escalation, OutboxMessage):
            session.execute(delete(model).where(model.incident_id.in_(ids)))
        session.execute(delete(Incident).where(Incident.id.in_(ids)))
        audit = session.execute(delete(AuditEntry).where(AuditEntry.at < before)).rowcount
        session.execute(delete(RemediationAttempt).where(RemediationAttempt.at < before))
    return {"incidents": len(ids), "audit": audit or 0}
