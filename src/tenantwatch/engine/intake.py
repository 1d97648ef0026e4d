"""Intake of the Alertmanager webhook (payload version 4) into the store, in one transaction.

New alerts are inserted in bulk (`INSERT ... ON CONFLICT DO NOTHING` on the alert identity
tenant + fingerprint + startsAt), so a repeated payload changes nothing; only the alerts that
were really new are correlated into incidents, and resolved alerts close what they opened.
Alerts whose severity is not one of critical/warning/info (the Watchdog's `none`) are stored
but open no incident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from tenantwatch import conventions
from tenantwatch.engine.correlation import Correlator
from tenantwatch.engine.incidents import IncidentChanges, close_if_all_resolved, describe
from tenantwatch.engine.store.bulk import insert_ignore
from tenantwatch.engine.store.models import Alert, Incident

MAX_BODY_BYTES = 10 * 1024 * 1024
_NO_END = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)  # Alertmanager sends 0001-01-01 for "no end"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=16384)


class AlertIn(_Strict):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: dt.datetime
    endsAt: dt.datetime | None = None
    generatorURL: str = ""
    fingerprint: str | None = Field(None, min_length=1, max_length=64)

    @field_validator("labels")
    @classmethod
    def _has_tenant(cls, labels: dict[str, str]) -> dict[str, str]:
        if not labels.get(conventions.TENANT):
            raise ValueError(f"label {conventions.TENANT!r} is required")
        if len(labels[conventions.TENANT]) > 64 or len(labels.get(conventions.SERVICE, "")) > 64:
            raise ValueError("tenant and service labels are at most 64 characters")
        return labels

    @field_validator("startsAt", "endsAt")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)

    @property
    def identity_fingerprint(self) -> str:
        """Alertmanager's fingerprint, or a stable hash of the labels when it is absent."""
        if self.fingerprint:
            return self.fingerprint
        text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class WebhookIn(_Strict):
    """Alertmanager's webhook body; unknown fields are refused (a typo or another format)."""

    version: Literal["4"]
    groupKey: str = ""
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"] | None = None
    receiver: str = ""
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    alerts: list[AlertIn] = Field(max_length=100_000)

    @property
    def tenants(self) -> set[str]:
        return {a.labels[conventions.TENANT] for a in self.alerts}


@dataclass
class IntakeResult:
    received: int = 0
    new: int = 0
    resolved: int = 0
    changes: IncidentChanges = field(default_factory=IncidentChanges)

    def as_json(self) -> dict[str, object]:
        return {"received": self.received, "new": self.new, "resolved": self.resolved,
                "incidents": sorted(self.changes.touched)}


def _row(alert: AlertIn, now: dt.datetime) -> dict[str, object]:
    labels = alert.labels
    ends = alert.endsAt if alert.endsAt and alert.endsAt > _NO_END else None
    return {
        "tenant": labels[conventions.TENANT], "fingerprint": alert.identity_fingerprint,
        "starts_at": alert.startsAt, "ends_at": ends if alert.status == "resolved" else None,
        "status": alert.status, "alertname": labels.get("alertname", "alert")[:200],
        "service": labels.get(conventions.SERVICE) or None, "severity": labels.get(conventions.SEVERITY, "warning")[:16],
        "labels": labels, "annotations": alert.annotations, "received_at": now, "incident_id": None,
    }


def ingest(session: Session, payload: WebhookIn, *, who: str, now: dt.datetime, correlator: Correlator) -> IntakeResult:
    """Store the payload's alerts and update incidents; the caller commits before answering."""
    rows: dict[tuple[str, str, dt.datetime], dict[str, object]] = {}
    for alert in payload.alerts:  # the last occurrence of an identity in one payload wins
        row = _row(alert, now)
        rows[(row["tenant"], row["fingerprint"], row["starts_at"])] = row  # type: ignore[index]
    result = IntakeResult(received=len(payload.alerts))
    inserted = insert_ignore(session, Alert, list(rows.values()), conflict=("tenant", "fingerprint", "starts_at"),
                             returning=("id", "tenant", "fingerprint", "starts_at"))
    result.new = len(inserted)
    new_keys = {(r.tenant, r.fingerprint, r.starts_at) for r in inserted}
    firing_ids = [r.id for r in inserted if rows[(r.tenant, r.fingerprint, r.starts_at)]["status"] == "firing"]
    if firing_ids:
        new_alerts = session.scalars(select(Alert).where(Alert.id.in_(firing_ids)).order_by(Alert.starts_at, Alert.id)).all()
        correlator.assign(session, list(new_alerts), who=who, now=now, changes=result.changes)
    resolved_keys = [k for k, row in rows.items() if row["status"] == "resolved" and k not in new_keys]
    if resolved_keys:
        result.resolved = _resolve(session, resolved_keys, rows, who=who, now=now, changes=result.changes)
    return result


def _resolve(session: Session, keys: list[tuple[str, str, dt.datetime]], rows: dict, *, who: str,
             now: dt.datetime, changes: IncidentChanges) -> int:
    found = session.scalars(select(Alert).where(
        tuple_(Alert.tenant, Alert.fingerprint, Alert.starts_at).in_(keys), Alert.status == "firing")).all()
    incidents: set[Incident] = set()
    for alert in found:
        alert.status = "resolved"
        alert.ends_at = rows[(alert.tenant, alert.fingerprint, alert.starts_at)]["ends_at"] or now
        if alert.incident is not None:
            incidents.add(alert.incident)
            changes.note(session, alert.incident, "alert.resolved", who, describe(alert), now)
    session.flush()
    for incident in sorted(incidents, key=lambda i: i.id):
        close_if_all_resolved(session, incident, who=who, now=now, changes=changes)
    return len(found)
