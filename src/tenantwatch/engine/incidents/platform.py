"""Platform incidents: a shared service's outage, the tenants it affects, the tenant incidents
it causes, and what becomes of them when it resolves.

An alert with tenant="platform" (a shared service's health) opens an incident of tenant
"platform" like any alert opens one of its tenant. The tenants it affects are every spec tenant
that uses the failing service or a service depending on it (transitively, through
`depends_on`); they are kept in `incident_tenants`, so "what tenant T may read" stays one
indexed query on SQLite and PostgreSQL.

A tenant incident is `caused_by` an unresolved platform incident that affects its tenant when
one of its services is, or depends on, one of the platform incident's services: either it opens
while the platform incident is open, or, when the platform incident opens, it had an alert
within the correlation window (a dependent's error rate may fire before the database's down
alert) or it was caused by an earlier platform incident that has resolved since (a flapping
shared service). A linked incident does not page while its cause is unresolved (the platform incident
pages, once); when the cause resolves, the linked incidents still open get a grace of one
correlation window for their own alerts to clear, then page as their levels say.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.engine.incidents.timeline import ENGINE, IncidentChanges
from tenantwatch.engine.notifications.outbox import cancel_pages, is_paging, paging_channels
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Escalation, Incident, IncidentTenant, OutboxMessage
from tenantwatch.engine.vocabulary import EscalationState, IncidentStatus, OutboxEvent, TimelineKind
from tenantwatch.spec.models import Spec

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig
    from tenantwatch.topology import Topology


def is_platform(incident: Incident) -> bool:
    return incident.tenant == PLATFORM_TENANT


def _follows(topology: Topology, tenant_incident: Incident, cause: Incident) -> bool:
    return any(topology.needs(service, shared) for service in tenant_incident.services for shared in cause.services)


def unresolved_cause(session: Session, incident: Incident) -> int | None:
    """The id of the platform incident this one follows from, while that is not resolved."""
    if incident.caused_by is None:
        return None
    cause = session.get(Incident, incident.caused_by)
    return cause.id if cause is not None and cause.status != IncidentStatus.RESOLVED else None


class Causes:
    """Links incidents within one intake transaction. The unresolved platform incidents and
    their tenants are read once, when first needed, and kept up to date as platform incidents
    open or grow in the transaction."""

    def __init__(self, session: Session, config: EngineConfig) -> None:
        self.session, self.config = session, config
        self._open: dict[int, tuple[Incident, set[str]]] | None = None

    def _platform_incidents(self) -> dict[int, tuple[Incident, set[str]]]:
        if self._open is None:
            incidents = {i.id: (i, set[str]()) for i in self.session.scalars(
                select(Incident).where(Incident.tenant == PLATFORM_TENANT, Incident.status != IncidentStatus.RESOLVED))}
            if incidents:
                for incident_id, tenant in self.session.execute(select(IncidentTenant.incident_id, IncidentTenant.tenant)
                                                                .where(IncidentTenant.incident_id.in_(list(incidents)))):
                    incidents[incident_id][1].add(tenant)
            self._open = incidents
        return self._open

    def follow(self, incident: Incident, *, now: dt.datetime, changes: IncidentChanges) -> None:
        """Call after an incident opened or gained a service."""
        if is_platform(incident):
            self._spread(incident, now, changes)
        elif incident.caused_by is None:
            self._find_cause(incident, now, changes)

    def _spread(self, incident: Incident, now: dt.datetime, changes: IncidentChanges) -> None:
        """Record whom the platform incident affects and link their recent related incidents."""
        affected = set(self.config.topology.tenants_reached_by(incident.services))
        known = self._platform_incidents().setdefault(incident.id, (incident, set()))[1]
        new = sorted(affected - known)
        if not new:
            return
        insert_rows(self.session, IncidentTenant, [{"incident_id": incident.id, "tenant": t} for t in new],
                    conflict=("incident_id", "tenant"))
        known.update(new)
        since = now - dt.timedelta(seconds=self.config.correlation_window)
        candidates = self.session.scalars(select(Incident).where(
            Incident.tenant.in_(select(IncidentTenant.tenant).where(IncidentTenant.incident_id == incident.id)),
            Incident.status != IncidentStatus.RESOLVED, or_(Incident.last_alert_at >= since, Incident.caused_by.is_not(None)))
            .order_by(Incident.id))
        for tenant_incident in candidates:  # recent ones, and those of an earlier (flapping) cause now resolved
            if unresolved_cause(self.session, tenant_incident) is None and _follows(self.config.topology, tenant_incident, incident):
                link(self.session, self.config.spec, tenant_incident, incident, now=now, changes=changes)

    def _find_cause(self, incident: Incident, now: dt.datetime, changes: IncidentChanges) -> None:
        for cause_id in sorted(self._platform_incidents(), reverse=True):  # the most recent first
            cause, tenants = self._platform_incidents()[cause_id]
            if incident.tenant in tenants and _follows(self.config.topology, incident, cause):
                link(self.session, self.config.spec, incident, cause, now=now, changes=changes)
                return


def link(session: Session, spec: Spec, incident: Incident, cause: Incident, *, now: dt.datetime,
         changes: IncidentChanges) -> None:
    """Mark `incident` as following from the platform incident `cause`; pages it had queued are
    dropped. The cause's timeline line is for the incident's tenant (and admins) only."""
    incident.caused_by = cause.id
    cancel_pages(session, spec, incident.id)
    changes.note(incident, TimelineKind.LINKED, ENGINE, f"caused by platform incident #{cause.id} ({cause.title}); "
                 "it pages for the shared outage, this incident does not while it is unresolved", now)
    changes.note(cause, TimelineKind.LINKED, ENGINE, f"incident #{incident.id} of tenant {incident.tenant} follows from this one",
                 now, audience=incident.tenant)


def release(session: Session, config: EngineConfig, cause: Incident, *, now: dt.datetime,
            changes: IncidentChanges) -> None:
    """The platform incident `cause` resolved: the open incidents it caused may page again,
    after a grace of one correlation window (their own alerts usually clear by then)."""
    after = now + dt.timedelta(seconds=config.correlation_window)
    for incident in session.scalars(select(Incident).where(Incident.caused_by == cause.id, Incident.status == IncidentStatus.OPEN)
                                    .order_by(Incident.id)):
        first = _resume_paging(session, config.spec, incident, after)
        detail = f"platform incident #{cause.id} is resolved; " + (
            f"{first.level} pages at {first.due_at:%H:%M:%S} UTC if this incident is still open" if first
            else "escalation continues as planned")
        changes.note(incident, TimelineKind.CAUSE_RESOLVED, ENGINE, detail, now)


def _resume_paging(session: Session, spec: Spec, incident: Incident, after: dt.datetime) -> Escalation | None:
    """Move the incident's paging levels due before `after` to `after`, and plan again (at
    `after`) the highest paging level that fired while paging was held back. Returns the
    first level that will page, if any."""
    if not spec.pages(incident.tenant):
        return None
    paging_levels = [level.level for level in spec.escalation if any(is_paging(spec, name) for name in level.notify)]
    rows = list(session.scalars(select(Escalation).where(Escalation.incident_id == incident.id,
                                                         Escalation.level.in_(paging_levels))))
    pending = [row for row in rows if row.state == EscalationState.PENDING]
    for row in pending:
        row.due_at = max(row.due_at, after)
    fired = [row for row in rows if row.state == EscalationState.FIRED]
    if fired and not _paged(session, spec, incident.id):
        again = max(fired, key=lambda row: row.level)
        again.state, again.due_at, again.held_by = EscalationState.PENDING, after, None
        pending.append(again)
    return min(pending, key=lambda row: (row.due_at, row.level)) if pending else None


def _paged(session: Session, spec: Spec, incident_id: int) -> bool:
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.incident_id == incident_id, OutboxMessage.event == OutboxEvent.TRIGGER,
        OutboxMessage.channel.in_(paging_channels(spec))).limit(1)) is not None
