"""Retention: resolved incidents (with their alerts, timeline, escalations, messages, affected
tenants), audit entries and remediation attempts older than a cut-off are deleted; open
incidents are never touched (a link to a deleted cause is cleared)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from tenantwatch.engine.store.db import Store
from tenantwatch.engine.store.models import (Alert, AuditEntry, Escalation, Incident, IncidentTenant, OutboxMessage,
                                             RemediationAttempt, TimelineEvent)
from tenantwatch.engine.vocabulary import IncidentStatus


def purge(store: Store, before: dt.datetime) -> dict[str, int]:
    """Delete what is older than `before`; returns counts per kind."""
    with store.write() as session:
        old = select(Incident.id).where(Incident.status == IncidentStatus.RESOLVED, Incident.resolved_at < before)
        ids = list(session.scalars(old))
        for model in (Alert, TimelineEvent, Escalation, OutboxMessage, IncidentTenant):
            session.execute(delete(model).where(model.incident_id.in_(ids)))
        session.execute(update(Incident).where(Incident.caused_by.in_(ids)).values(caused_by=None))
        session.execute(delete(Incident).where(Incident.id.in_(ids)))
        audit = session.execute(delete(AuditEntry).where(AuditEntry.at < before)).rowcount
        session.execute(delete(RemediationAttempt).where(RemediationAttempt.at < before))
    return {"incidents": len(ids), "audit": audit or 0}
