"""Which escalation levels an incident gets, and when: rows the scheduler fires when due.

Timers run from the incident's creation; a level applies when the incident's severity is in
its `severities`. When a more severe alert joins, the levels it newly qualifies for are added
(due at creation + after, so possibly at once). Acknowledge and resolve cancel what is left.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantwatch.engine.store.models import Escalation, Incident
from tenantwatch.engine.vocabulary import EscalationState, IncidentStatus
from tenantwatch.spec.models import Spec


def plan_escalation(session: Session, spec: Spec, incident: Incident, *, new: bool) -> None:
    if incident.status != IncidentStatus.OPEN:
        return
    existing = set() if new else set(session.scalars(select(Escalation.level).where(Escalation.incident_id == incident.id)))
    for level in spec.escalation:
        if incident.severity in level.severities and level.level not in existing:
            session.add(Escalation(incident_id=incident.id, level=level.level, state=EscalationState.PENDING,
                                   due_at=incident.created_at + dt.timedelta(seconds=level.after)))


def cancel_pending(session: Session, incident_id: int) -> None:
    session.execute(update(Escalation).where(Escalation.incident_id == incident_id, Escalation.state == EscalationState.PENDING)
                    .values(state=EscalationState.CANCELLED))
