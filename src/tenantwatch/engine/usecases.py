"""The engine's use cases, called by the thin routes (and by tests directly): intake, list,
get, acknowledge, resolve. Each write commits before returning, then publishes its events
and wakes the scheduler, so a 2xx always means "stored".

Intake is in two steps: `accept` appends the webhook body to the intake log (durable, group-
committed) and answers; the intake processor turns the log into incidents right after, in
order (intake/processor.py). Reads wait for it to catch up first, so an API client sees what
it has posted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Protocol

from starlette.concurrency import run_in_threadpool

from tenantwatch.engine.audit import record
from tenantwatch.engine.auth import Principal
from tenantwatch.engine.background.wiring import publisher
from tenantwatch.engine.clock import Clock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.incidents.lifecycle import acknowledge, resolve_by_hand
from tenantwatch.engine.incidents.queries import incident_json, list_incidents, visible_incident
from tenantwatch.engine.incidents.timeline import IncidentChanges
from tenantwatch.engine.intake.log import IntakeLog
from tenantwatch.engine.intake.payload import WebhookIn
from tenantwatch.engine.intake.processor import READ_WAIT
from tenantwatch.engine.metrics import EngineMetrics
from tenantwatch.engine.store import Store
from tenantwatch.engine.vocabulary import AlertStatus


class NotFound(Exception):
    pass


class ReadOnly(Exception):
    """A tenant key may read a platform incident that affects its tenant, not act on it."""


Change = Callable[..., bool]  # acknowledge or resolve: (session, config, incident, *, who, now, changes) -> changed?


class Processing(Protocol):
    """The intake processor as the use cases see it: in a thread of this process
    (IntakeProcessor) or in the worker process (background.link.WorkerLink)."""

    position: int

    @property
    def running(self) -> bool: ...

    def announce(self, entry_id: int) -> None: ...

    def result(self, entry_id: int, timeout: float) -> dict[str, object] | None: ...

    def caught_up(self, position: int | None = None, timeout: float = READ_WAIT) -> bool: ...


@dataclass
class EngineService:
    store: Store
    config: EngineConfig
    clock: Clock
    metrics: EngineMetrics
    events: Broadcaster
    log: IntakeLog
    processor: Processing
    wake: Callable[[], None]  # the scheduler's, wherever it runs

    def __post_init__(self) -> None:
        self.metrics.intake_backlog.set_function(lambda: self.log.last_id - self.processor.position)
        self._publish = publisher(self.events, self.wake)

    async def accept(self, body: bytes, payload: WebhookIn, who: str, *, wait: bool = False) -> dict[str, Any]:
        """Append a validated webhook body to the intake log; returns once it is on disk.
        With `wait` (or when no processor thread runs: tests, `--once`) it also returns what
        the alerts did (new, resolved, incidents touched), waiting up to READ_WAIT seconds."""
        wait = wait or not self.processor.running
        ticket = self.log.append(self.clock.now(), who, body, announce=self.processor.announce if wait else None)
        entry = await asyncio.wrap_future(ticket)
        firing = sum(alert.status == AlertStatus.FIRING for alert in payload.alerts)
        for status, count in ((AlertStatus.FIRING, firing), (AlertStatus.RESOLVED, len(payload.alerts) - firing)):
            if count:
                self.metrics.alerts_received.labels(status=status).inc(count)
        result = await run_in_threadpool(self.processor.result, entry, READ_WAIT) if wait else None
        if result is None:
            return {"received": len(payload.alerts), "processed": False}
        return {**result, "processed": True}

    def incidents(self, principal: Principal, *, status: str | None = None, severity: str | None = None,
                  service: str | None = None, tenant: str | None = None, limit: int = 50,
                  before_id: int | None = None) -> dict[str, Any]:
        """A page of what the caller may see; `tenant` narrows it to what that tenant sees (the
        caller checked it is the caller's own, or that the caller is an admin)."""
        self.processor.caught_up()
        with self.store.read() as session:
            rows, next_id = list_incidents(session, principal, status=status, severity=severity, service=service,
                                           tenant=tenant, limit=limit, before_id=before_id)
            items = [incident_json(r, viewer=principal.tenant) for r in rows]
        with self.store.write() as session:
            record(session, at=self.clock.now(), who=principal.name, tenant=principal.tenant, action="incidents.list",
                   detail={"status": status, "severity": severity, "service": service, "count": len(items)})
        return {"items": items, "next_cursor": str(next_id) if next_id is not None else None}

    def incident(self, principal: Principal, incident_id: int) -> dict[str, Any]:
        self.processor.caught_up()
        with self.store.read() as session:
            incident = visible_incident(session, principal, incident_id)
            if incident is None:
                raise NotFound(f"incident {incident_id} not found")
            return incident_json(incident, viewer=principal.tenant)

    def acknowledge(self, principal: Principal, incident_id: int) -> dict[str, Any]:
        return self._change(principal, incident_id, "incident.ack", acknowledge)

    def resolve(self, principal: Principal, incident_id: int, *, force: bool = False) -> dict[str, Any]:
        """Refused (StillFiring) while an alert of the incident fires, unless forced."""
        return self._change(principal, incident_id, "incident.resolve", partial(resolve_by_hand, force=force),
                            force=force)

    def _change(self, principal: Principal, incident_id: int, action: str, change: Change,
                **detail: Any) -> dict[str, Any]:
        changes = IncidentChanges()
        self.processor.caught_up()
        now = self.clock.now()
        with self.store.write() as session:
            incident = visible_incident(session, principal, incident_id)
            if incident is None:
                raise NotFound(f"incident {incident_id} not found")
            if not principal.sees(incident.tenant):
                raise ReadOnly(f"incident {incident_id} is a platform incident (a shared service's outage): a tenant "
                               "key may read it, the platform team acknowledges and resolves it")
            if change(session, self.config, incident, who=principal.name, now=now, changes=changes):
                record(session, at=now, who=principal.name, tenant=incident.tenant, action=action,
                       detail={"incident": incident_id, **{k: v for k, v in detail.items() if v}})
            changes.flush(session)
        self._publish(changes)
        return self.incident(principal, incident_id)
