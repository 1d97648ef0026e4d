"""Incident state changes: open, attach an alert, acknowledge, resolve, with their timeline.

Every function works inside the caller's transaction and notes what changed in an
`IncidentChanges`, which the caller publishes (events) after the commit. A person resolving
an incident while one of its alerts still fires must force it; the alert, when Alertmanager
sends it again, then opens a new incident (see intake).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantwatch.conventions import SEVERITIES
from tenantwatch.engine.escalation.maintenance import holding_window
from tenantwatch.engine.escalation.plan import cancel_pending, plan_escalation
from tenantwatch.engine.incidents import platform
from tenantwatch.engine.incidents.timeline import ENGINE, IncidentChanges
from tenantwatch.engine.notifications.outbox import follow_up, tell_rise
from tenantwatch.engine.store.models import Alert, Incident
from tenantwatch.engine.vocabulary import AlertStatus, IncidentStatus, OutboxEvent, TimelineKind

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


SEVERITY_RANK = {severity: len(SEVERITIES) - i for i, severity in enumerate(SEVERITIES)}  # critical highest


class Conflict(Exception):
    """The incident's state does not allow the change (e.g. acknowledging a resolved one)."""


class StillFiring(Conflict):
    """A person resolves an incident while some of its alerts still fire (and did not force it)."""


def describe(alert: Alert | NewAlert) -> str:
    return alert.alertname + (f" on {alert.service}" if alert.service else "") + f" ({alert.severity})"


def is_incident_severity(severity: str) -> bool:
    return severity in SEVERITY_RANK


def open_incident(session: Session, config: EngineConfig, alert: NewAlert, *, who: str, now: dt.datetime,
                  changes: IncidentChanges) -> Incident:
    summary = str(alert.annotations.get("summary") or "").strip()
    incident = Incident(
        tenant=alert.tenant, status=IncidentStatus.OPEN, severity=alert.severity, title=(summary or describe(alert))[:500],
        services=[alert.service] if alert.service else [], root_cause=alert.service,
        created_at=now, updated_at=now, last_alert_at=now,
    )
    session.add(incident)
    session.flush()
    alert.incident_id = incident.id
    changes.note(incident, TimelineKind.OPENED, who, describe(alert), now)
    plan_escalation(session, config.spec, incident, new=True)
    return incident


def attach_alert(session: Session, config: EngineConfig, incident: Incident, alert: NewAlert, *, who: str,
                 now: dt.datetime, changes: IncidentChanges) -> None:
    """Join an alert to an incident: services, root cause, severity (max) and escalation follow."""
    alert.incident_id = incident.id
    if alert.service and alert.service not in incident.services:
        incident.services = [*incident.services, alert.service]
        incident.root_cause = config.topology.root_cause(incident.services)
    if incident.last_alert_at != now:  # a batch's alerts share `now`: one change, not one per alert
        incident.last_alert_at = now
    changes.note(incident, TimelineKind.ALERT_FIRED, who, describe(alert), now, group=True)
    if SEVERITY_RANK[alert.severity] > SEVERITY_RANK.get(incident.severity, 0):
        _raise_severity(session, config, incident, alert.severity, who=who, now=now, changes=changes)


def _raise_severity(session: Session, config: EngineConfig, incident: Incident, severity: str, *, who: str,
                    now: dt.datetime, changes: IncidentChanges) -> None:
    """The channels already told hear the new severity at once (unless a maintenance window
    holds the incident); the levels it newly qualifies for are planned."""
    previous, incident.severity = incident.severity, severity
    plan_escalation(session, config.spec, incident, new=False)
    window = holding_window(config.spec, incident.tenant, incident.services, now)
    if window is not None:
        changes.note(incident, TimelineKind.HELD, ENGINE, f"severity rise to {severity} held by maintenance window {window}", now)
        return
    told = tell_rise(session, incident, now)
    changes.note(incident, TimelineKind.SEVERITY, who, f"{previous} -> {severity}" + (f"; telling {', '.join(told)}" if told else ""), now)


def firing_alerts(session: Session, incident: Incident) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.incident_id == incident.id, Alert.status == AlertStatus.FIRING)
                                .order_by(Alert.id)))


def close_if_all_resolved(session: Session, config: EngineConfig, incident: Incident, *, who: str, now: dt.datetime,
                          changes: IncidentChanges) -> None:
    """An incident resolves by itself once none of its alerts is firing any more."""
    if incident.status != IncidentStatus.RESOLVED and not firing_alerts(session, incident):
        resolve(session, config, incident, who=who, now=now, changes=changes, reason="all alerts resolved")


def acknowledge(session: Session, config: EngineConfig, incident: Incident, *, who: str, now: dt.datetime,
                changes: IncidentChanges) -> bool:
    """Stop escalating; False when it was acknowledged already (nothing changes)."""
    if incident.status == IncidentStatus.RESOLVED:
        raise Conflict(f"incident {incident.id} is resolved")
    if incident.status == IncidentStatus.ACKNOWLEDGED:
        return False
    incident.acknowledged_by = who
    _stop_escalating(session, incident, IncidentStatus.ACKNOWLEDGED, OutboxEvent.ACKNOWLEDGE, who=who, now=now, changes=changes, detail="")
    return True


def resolve_by_hand(session: Session, config: EngineConfig, incident: Incident, *, who: str, now: dt.datetime,
                    changes: IncidentChanges, force: bool = False) -> bool:
    """A person's resolve: refused while an alert still fires, unless forced."""
    firing = [] if incident.status == IncidentStatus.RESOLVED else firing_alerts(session, incident)
    if firing and not force:
        names = ", ".join(describe(a) for a in firing[:5]) + (f" and {len(firing) - 5} more" if len(firing) > 5 else "")
        raise StillFiring(f"incident {incident.id} still has {len(firing)} firing alert(s): {names}. It resolves by "
                          'itself when they stop; to resolve it now anyway, send {"force": true} (a still-firing alert '
                          "opens a new incident the next time Alertmanager sends it)")
    reason = f"forced while {len(firing)} alert(s) still fire" if firing else ""
    return resolve(session, config, incident, who=who, now=now, changes=changes, reason=reason)


def resolve(session: Session, config: EngineConfig, incident: Incident, *, who: str, now: dt.datetime,
            changes: IncidentChanges, reason: str = "") -> bool:
    """Close the incident; False when it was resolved already. A platform incident's end lets
    the tenant incidents it caused page again."""
    if incident.status == IncidentStatus.RESOLVED:
        return False
    incident.resolved_at = now
    _stop_escalating(session, incident, IncidentStatus.RESOLVED, OutboxEvent.RESOLVE, who=who, now=now, changes=changes, detail=reason)
    if platform.is_platform(incident):
        platform.release(session, config, incident, now=now, changes=changes)
    return True


def _stop_escalating(session: Session, incident: Incident, status: IncidentStatus, event: OutboxEvent, *, who: str, now: dt.datetime,
                     changes: IncidentChanges, detail: str) -> None:
    """Enter `status`, cancel what is pending, tell the channels already told, and record it."""
    incident.status = status
    cancel_pending(session, incident.id)
    follow_up(session, incident.id, event, now)
    changes.note(incident, TimelineKind(status), who, detail, now)
