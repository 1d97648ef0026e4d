"""L1 auto-remediation from the engine's side: hand each firing alert's labels to the guarded
runner of tenantwatch.remediation (rules chosen by the spec, dry-run, rate limit, circuit
breaker) and record every result in the timeline, the audit log and the metrics.

When the runner says `escalate` (its circuit breaker opened), the incident's next pending
escalation level is brought forward to now, so a human is paged instead of a machine retrying.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable, Mapping

from sqlalchemy import select

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.engine.audit import record
from tenantwatch.engine.clock import Clock
from tenantwatch.engine.incidents.timeline import ENGINE, Publish, recording
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.history import StoreHistory
from tenantwatch.engine.store.models import Alert, Escalation, Incident
from tenantwatch.engine.vocabulary import AlertStatus, EscalationState, TimelineKind
from tenantwatch.remediation import RemediationRunner, RunResult, build_clients
from tenantwatch.spec.models import Spec

if TYPE_CHECKING:
    from tenantwatch.engine.metrics import EngineMetrics

Remediator = Callable[[Mapping[str, str]], list[RunResult]]


def default_remediator(spec: Spec, clock: Clock, environ: Mapping[str, str], store: Store) -> Remediator:
    """The guarded runner with clients from the environment (built on first use) and its
    attempts kept in the store, so rate limits and the circuit breaker survive restarts."""
    runner = RemediationRunner(spec.remediation, build_clients(environ), clock.now, StoreHistory(store),
                               tenants={*spec.tenants, PLATFORM_TENANT})
    return runner.run


def remediate_incident(store: Store, remediator: Remediator, incident_id: int, now: dt.datetime, publish: Publish,
                       metrics: EngineMetrics | None = None) -> list[tuple[str, str]]:
    """Run the rules matching each distinct firing alert; returns (action, status) pairs."""
    with store.read() as session:
        alerts = session.scalars(select(Alert).where(Alert.incident_id == incident_id, Alert.status == AlertStatus.FIRING)
                                 .order_by(Alert.id)).all()
    seen: set[tuple[tuple[str, str], ...]] = set()
    done: list[tuple[str, str]] = []
    for alert in alerts:
        key = tuple(sorted(alert.labels.items()))
        if key in seen:
            continue
        seen.add(key)
        for result in remediator(alert.labels):
            _record(store, publish, incident_id, alert.tenant, result, now)
            if metrics is not None:
                metrics.remediations.labels(action=result.action, outcome=result.status).inc()
            done.append((result.action, result.status))
    return done


def _record(store: Store, publish: Publish, incident_id: int, tenant: str, result: RunResult, now: dt.datetime) -> None:
    audit = result.audit()
    detail = result.refused or audit["outcome"] or ""
    with recording(store, publish) as (session, changes):
        incident = session.get_one(Incident, incident_id)
        changes.note(incident, TimelineKind.REMEDIATION, ENGINE, f"{result.action}: {result.status}: {detail}"[:1000], now)
        record(session, at=now, who=ENGINE, tenant=tenant, action="remediation", detail={"incident": incident_id, **audit})
        if result.escalate:
            pending = session.scalars(select(Escalation).where(Escalation.incident_id == incident_id,
                                                               Escalation.state == EscalationState.PENDING).order_by(Escalation.due_at)).first()
            if pending is not None:
                pending.due_at = min(pending.due_at, now)
                changes.note(incident, TimelineKind.REMEDIATION, ENGINE, f"automation stopped; {pending.level} brought forward",
                             now)
