"""Correlation: which alerts belong together, and which failing service is the root cause.

Two services are related when one reaches the other through `depends_on` (in either
direction, transitively). Within one tenant and one time window, alerts on related services
join one incident; the root cause is the most upstream failing service: the one that
depends on no other failing service. Alerts of different tenants are never compared; the
shared services' alerts (tenant "platform") correlate among themselves the same way, and the
incidents they open are linked to the tenant incidents they cause (incidents/platform.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tenantwatch.engine.incidents.lifecycle import NewAlert, attach_alert, is_incident_severity, open_incident
from tenantwatch.engine.incidents.platform import Causes
from tenantwatch.engine.incidents.timeline import IncidentChanges
from tenantwatch.engine.store.models import Incident
from tenantwatch.engine.vocabulary import IncidentStatus

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig

OpenByFingerprint = dict[tuple[str, str], Incident]  # (tenant, fingerprint) -> its unresolved incident


# Built once (tenants as an expanding parameter) so each batch reuses the cached compiled SQL.
_RECENT_OPEN = select(Incident).where(Incident.tenant.in_(bindparam("tenants", expanding=True)), Incident.status != IncidentStatus.RESOLVED,
                                      Incident.last_alert_at >= bindparam("since")).order_by(Incident.id)


class Correlator:
    """Puts new firing alerts into incidents: a re-fire of a fingerprint joins its open
    incident; with correlation on, an alert joins the open incident of its tenant that had an
    alert within the window on a related service; otherwise it opens a new incident."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def assign(self, session: Session, alerts: list[NewAlert], by_fingerprint: OpenByFingerprint, *, who: str,
               now: dt.datetime, changes: IncidentChanges) -> None:
        """`by_fingerprint`: the unresolved incident of each (tenant, fingerprint) already
        stored, looked up by the caller with the alerts themselves (and updated here)."""
        alerts = [a for a in alerts if is_incident_severity(a.severity)]
        if not alerts:
            return
        tenants = {a.tenant for a in alerts}
        recent = self._recent_open(session, tenants, now) if self.config.correlation else {}
        causes = Causes(session, self.config)
        # Which incident an alert of (tenant, service) joins depends only on the tenant's recent
        # incidents and their services, so it is remembered until either changes.
        joins: dict[tuple[str, str | None], Incident | None] = {}
        for alert in alerts:
            incident = by_fingerprint.get((alert.tenant, alert.fingerprint))
            if incident is None:
                key = (alert.tenant, alert.service)
                if key not in joins:
                    joins[key] = self._related(recent.get(alert.tenant, []), alert)
                incident = joins[key]
            if incident is None:
                incident = open_incident(session, self.config, alert, who=who, now=now, changes=changes)
                if self.config.correlation:
                    recent.setdefault(alert.tenant, []).append(incident)
                joins.clear()
                causes.follow(incident, now=now, changes=changes)
            else:
                services = len(incident.services)
                attach_alert(session, self.config, incident, alert, who=who, now=now, changes=changes)
                if len(incident.services) != services:
                    joins.clear()
                    causes.follow(incident, now=now, changes=changes)
            by_fingerprint[(alert.tenant, alert.fingerprint)] = incident

    def _related(self, candidates: list[Incident], alert: NewAlert) -> Incident | None:
        topology = self.config.topology
        for incident in reversed(candidates):  # the most recent first
            if topology.related_to_any(alert.service, incident.services or [None]):
                return incident
        return None

    def _recent_open(self, session: Session, tenants: set[str], now: dt.datetime) -> dict[str, list[Incident]]:
        since = now - dt.timedelta(seconds=self.config.correlation_window)
        found: dict[str, list[Incident]] = {}
        for incident in session.scalars(_RECENT_OPEN, {"tenants": sorted(tenants), "since": since}):
            found.setdefault(incident.tenant, []).append(incident)
        return found
