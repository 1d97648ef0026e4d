"""Incident state changes: open, attach an alert, acknowledge, resolve, with their timeline.

Every function works inside the caller's transaction and notes what changed in an
`IncidentChanges`, which the caller publishes (events) after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantwatch.engine.escalation_plan import cancel_pending, plan_escalation
from tenantwatch.engine.notify import follow_up
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Alert, Incident, TimelineEvent

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig

Identity = tuple[str, str, dt.datetime]  # tenant, fingerprint, startsAt


@dataclass
class NewAlert:
    """An alert about to be inserted: correlated first, so its row is written once, complete."""

    tenant: str
    fingerprint: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    status: str
    alertname: str
    service: str | None
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str]
    received_at: dt.datetime
    incident_id: int | None = None

    @property
    def identity(self) -> Identity:
        return (self.tenant, self.fingerprint, self.starts_at)

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
ENGINE = "engine"  # "who" of what the engine does by itself


class Conflict(Exception):
    """The incident's state does not allow the change (e.g. acknowledging a resolved one)."""


@dataclass
class IncidentChanges:
    """What a transaction changed: timeline rows to write (in one statement, by `flush`),
    the incidents touched and the events to publish after the commit."""

    touched: set[int] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    _groups: dict[tuple[int, str, str], list[str]] = field(default_factory=dict)

    def note(self, incident: Incident, kind: str, who: str, detail: str, now: dt.datetime, *, group: bool = False) -> None:
        """Add a timeline entry and remember the change for publishing. With `group`, entries
        of one incident, kind and who in this transaction become one line listing them all
        (a batch of 100 alerts is one `alert.fired` entry, not 100)."""
        key = (incident.id, kind, who)
        if group and key in self._groups:
            self._groups[key].append(detail)
            return
        entry = {"incident_id": incident.id, "at": now, "kind": kind, "who": who, "detail": detail}
        if group:
            self._groups[key] = entry["details"] = [detail]
        self.timeline.append(entry)
        incident.updated_at = now
        self.touched.add(incident.id)
        self.events.append({"type": "incident", "id": incident.id, "tenant": incident.tenant,
                            "status": incident.status, "kind": kind})

    def flush(self, session: Session) -> None:
        """Write the noted timeline rows; call before the commit."""
        for entry in self.timeline:
            if details := entry.pop("details", None):
                entry["detail"] = _listing(details)
        insert_rows(session, TimelineEvent, self.timeline)
        self.timeline, self._groups = [], {}


def _listing(details: list[str], most: int = 10) -> str:
    if len(details) == 1:
        return details[0]
    shown = ", ".join(details[:most])
    return f"{len(details)} alerts: {shown}" + (f" and {len(details) - most} more" if len(details) > most else "")


def describe(alert: Alert | NewAlert) -> str:
    return alert.alertname + (f" on {alert.service}" if alert.service else "") + f" ({alert.severity})"


def is_incident_severity(severity: str) -> bool:
    return severity in SEVERITY_RANK


def open_incident(session: Session, config: EngineConfig, alert: NewAlert, *, who: str, now: dt.datetime,
                  changes: IncidentChanges) -> Incident:
    summary = str(alert.annotations.get("summary") or "").strip()
    incident = Incident(
        tenant=alert.tenant, status="open", severity=alert.severity, title=(summary or describe(alert))[:500],
        services=[alert.service] if alert.service else [], root_cause=alert.service,
        created_at=now, updated_at=now, last_alert_at=now,
    )
    session.add(incident)
    session.flush()
    alert.incident_id = incident.id
    changes.note(incident, "opened", who, describe(alert), now)
    plan_escalation(session, config.spec, incident, new=True)
    return incident


def attach_alert(session: Session, config: EngineConfig, incident: Incident, alert: NewAlert, *, who: str,
                 now: dt.datetime, changes: IncidentChanges) -> None:
    """Join an alert to an incident: services, root cause, severity (max) and escalation follow."""
    alert.incident_id = incident.id
    if alert.service and alert.service not in incident.services:
        incident.services = [*incident.services, alert.service]
        incident.root_cause = config.graph.root_cause(incident.services)
    if incident.last_alert_at != now:  # a batch's alerts share `now`: one change, not one per alert
        incident.last_alert_at = now
    changes.note(incident, "alert.fired", who, describe(alert), now, group=True)
    if SEVERITY_RANK[alert.severity] > SEVERITY_RANK.get(incident.severity, 0):
        incident.severity = alert.severity
        plan_escalation(session, config.spec, incident, new=False)


def close_if_all_resolved(session: Session, incident: Incident, *, who: str, now: dt.datetime,
                          changes: IncidentChanges) -> None:
    """An incident resolves by itself once none of its alerts is firing any more."""
    if incident.status == "resolved":
        return
    firing = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.incident_id == incident.id, Alert.status == "firing"))
    if not firing:
        resolve(session, incident, who=who, now=now, changes=changes, reason="all alerts resolved")


def acknowledge(session: Session, incident: Incident, *, who: str, now: dt.datetime, changes: IncidentChanges) -> bool:
    """Stop escalating; False when it was acknowledged already (nothing changes)."""
    if incident.status == "resolved":
        raise Conflict(f"incident {incident.id} is resolved")
    if incident.status == "acknowledged":
        return False
    incident.acknowledged_by = who
    _stop_escalating(session, incident, "acknowledged", "acknowledge", who=who, now=now, changes=changes, detail="")
    return True


def resolve(session: Session, incident: Incident, *, who: str, now: dt.datetime, changes: IncidentChanges,
            reason: str = "") -> bool:
    """Close the incident; False when it was resolved already."""
    if incident.status == "resolved":
        return False
    incident.resolved_at = now
    _stop_escalating(session, incident, "resolved", "resolve", who=who, now=now, changes=changes, detail=reason)
    return True


def _stop_escalating(session: Session, incident: Incident, status: str, event: str, *, who: str, now: dt.datetime,
                     changes: IncidentChanges, detail: str) -> None:
    """Enter `status`, cancel what is pending, tell the channels already told, and record it."""
    incident.status = status
    cancel_pending(session, incident.id)
    follow_up(session, incident.id, event, now)
    changes.note(incident, status, who, detail, now)
