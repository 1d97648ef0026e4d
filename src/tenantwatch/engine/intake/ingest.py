"""Intake of the Alertmanager webhook (payload version 4) into the store, in one transaction.

An alert's identity is tenant + fingerprint + startsAt: identities already stored are left
alone (a repeated payload changes nothing), new ones are correlated into incidents and
inserted in bulk (`INSERT ... ON CONFLICT DO NOTHING`), and resolved alerts close what they
opened. A stored alert that still fires in an incident a person resolved by force is
correlated again when Alertmanager sends it again (it opens or joins an incident).
Alerts whose severity is not one of critical/warning/info (the Watchdog's `none`) are stored
but open no incident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, TypeVar

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.orm import Session

from tenantwatch import conventions
from tenantwatch.engine.incidents.correlation import Correlator, OpenByFingerprint
from tenantwatch.engine.incidents.lifecycle import Identity, NewAlert, close_if_all_resolved, describe
from tenantwatch.engine.incidents.timeline import IncidentChanges
from tenantwatch.engine.intake.payload import AlertIn, WebhookIn
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Alert, Incident
from tenantwatch.engine.vocabulary import AlertStatus, IncidentStatus

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig

LOOKUP_CHUNK = 500
T = TypeVar("T")
_NO_END = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)  # Alertmanager sends 0001-01-01 for "no end"


@dataclass
class IntakeResult:
    received: int = 0
    new: int = 0
    resolved: int = 0
    changes: IncidentChanges = field(default_factory=IncidentChanges)

    def as_json(self) -> dict[str, object]:
        return {"received": self.received, "new": self.new, "resolved": self.resolved,
                "incidents": sorted(self.changes.touched)}


def _new_alert(alert: AlertIn, now: dt.datetime) -> NewAlert:
    labels = alert.labels
    ends = alert.endsAt if alert.endsAt and alert.endsAt > _NO_END else None
    return NewAlert(
        tenant=labels[conventions.TENANT], fingerprint=alert.identity_fingerprint, starts_at=alert.startsAt,
        ends_at=ends if alert.status == AlertStatus.RESOLVED else None, status=alert.status,
        alertname=labels.get("alertname", "alert")[:200], service=labels.get(conventions.SERVICE) or None,
        severity=labels.get(conventions.SEVERITY, "warning")[:16], labels=labels, annotations=alert.annotations,
        received_at=now,
    )


# One statement for every lookup: the fingerprints are an expanding parameter, so the SQL is
# compiled once and cached instead of rebuilt around each batch's literal list. It looks up by
# fingerprint alone (its own index) and keeps the batch's tenants in Python: `tenant IN (...)
# AND fingerprint IN (...)` makes the database probe every tenant x fingerprint pair, which
# with hundreds of tenants in a batch cost more than the rest of the intake together.
_STORED = (select(Alert.tenant, Alert.fingerprint, Alert.starts_at, Alert.status, Alert.incident_id, Incident)
           .outerjoin(Incident, (Alert.incident_id == Incident.id) & (Incident.status != IncidentStatus.RESOLVED))
           .where(Alert.fingerprint.in_(bindparam("fingerprints", expanding=True))))


def _chunks(items: list[T]) -> list[list[T]]:
    """Bounded IN lists: databases limit the number of parameters of one statement."""
    return [items[start:start + LOOKUP_CHUNK] for start in range(0, len(items), LOOKUP_CHUNK)]


def _stored(session: Session, keys: Iterable[Identity]) -> tuple[set[Identity], OpenByFingerprint, set[Identity]]:
    """Which of these identities the store has already, the unresolved incident each of their
    fingerprints is in, and the stored alerts still firing in an incident resolved by force:
    one query per chunk of fingerprints serves all three."""
    pairs = {(k[0], k[1]) for k in keys}
    found: set[Identity] = set()
    open_incidents: OpenByFingerprint = {}
    left_firing: set[Identity] = set()
    for chunk in _chunks(sorted({fingerprint for _, fingerprint in pairs})):
        for tenant, fingerprint, starts_at, status, incident_id, incident in session.execute(
                _STORED, {"fingerprints": chunk}):
            if (tenant, fingerprint) not in pairs:
                continue
            found.add((tenant, fingerprint, starts_at))
            if incident is not None:
                open_incidents[(tenant, fingerprint)] = incident
            elif status == AlertStatus.FIRING and incident_id is not None:
                left_firing.add((tenant, fingerprint, starts_at))
    return found, open_incidents, left_firing


def ingest(session: Session, payload: WebhookIn, *, who: str, now: dt.datetime, correlator: Correlator) -> IntakeResult:
    """Store the payload's alerts and update incidents; the caller commits before answering.

    New alerts are correlated first and then inserted in one bulk statement with their
    incident already set, so a batch costs a handful of statements, not one per alert."""
    alerts: dict[Identity, NewAlert] = {}
    for alert in payload.alerts:  # the last occurrence of an identity in one payload wins
        new = _new_alert(alert, now)
        alerts[new.identity] = new
    result = IntakeResult(received=len(payload.alerts))
    known, open_incidents, left_firing = _stored(session, alerts)
    fresh = [a for key, a in alerts.items() if key not in known]
    again = [alerts[key] for key in sorted(left_firing) if key in alerts and alerts[key].status == AlertStatus.FIRING]
    correlator.assign(session, sorted((a for a in [*fresh, *again] if a.status == AlertStatus.FIRING), key=lambda a: a.starts_at),
                      open_incidents, who=who, now=now, changes=result.changes)
    insert_rows(session, Alert, [a.row() for a in fresh], conflict=("tenant", "fingerprint", "starts_at"))
    for alert in again:  # rare: only after a forced resolve
        session.execute(update(Alert).where(Alert.tenant == alert.tenant, Alert.fingerprint == alert.fingerprint,
                                            Alert.starts_at == alert.starts_at).values(incident_id=alert.incident_id))
    result.new = len(fresh)
    resolved = [key for key in known if key in alerts and alerts[key].status == AlertStatus.RESOLVED]
    if resolved:
        result.resolved = _resolve(session, correlator.config, resolved, alerts, who=who, now=now, changes=result.changes)
    result.changes.flush(session)
    return result


def _resolve(session: Session, config: EngineConfig, keys: list[Identity], alerts: dict[Identity, NewAlert], *,
             who: str, now: dt.datetime, changes: IncidentChanges) -> int:
    identity = tuple_(Alert.tenant, Alert.fingerprint, Alert.starts_at)
    found = [alert for chunk in _chunks(keys) for alert in session.scalars(
        select(Alert).where(identity.in_(chunk), Alert.status == AlertStatus.FIRING))]
    incidents: set[Incident] = set()
    for alert in found:
        alert.status = AlertStatus.RESOLVED
        alert.ends_at = alerts[(alert.tenant, alert.fingerprint, alert.starts_at)].ends_at or now
        if alert.incident is not None:
            incidents.add(alert.incident)
            changes.note(alert.incident, "alert.resolved", who, describe(alert), now, group=True)
    session.flush()
    for incident in sorted(incidents, key=lambda i: i.id):
        close_if_all_resolved(session, config, incident, who=who, now=now, changes=changes)
    return len(found)
