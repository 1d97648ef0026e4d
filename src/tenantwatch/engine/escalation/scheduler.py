"""The scheduler: fires due escalation levels, delivers the outbox, applies retention.

Everything it acts on is in the store (pending escalations, pending messages), so a restart
simply continues. `tick()` is one synchronous pass (tests call it with a fake clock);
`run()` is the service's asyncio loop, which calls it every `tick_interval` seconds, or sooner
when intake `wake()`s it, and sets the heartbeat metric after each pass.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import select

from tenantwatch.conventions import ESCALATION_LEVELS
from tenantwatch.engine.clock import Clock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.escalation.maintenance import holding_window
from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.incidents.platform import unresolved_cause
from tenantwatch.engine.incidents.timeline import ENGINE, broadcast, recording
from tenantwatch.engine.metrics import EngineMetrics
from tenantwatch.engine.notifications.delivery import deliver_due
from tenantwatch.engine.notifications.outbox import enqueue_trigger
from tenantwatch.engine.remediation import Remediator, remediate_incident
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.models import Escalation, Incident
from tenantwatch.engine.store.retention import purge
from tenantwatch.engine.vocabulary import EscalationState, IncidentStatus, TimelineKind

log = logging.getLogger(__name__)
RETENTION_EVERY = dt.timedelta(hours=1)
WAKE_COALESCE = 0.1  # seconds: under heavy intake the scheduler runs at most ~10 times a second


@dataclass
class TickReport:
    escalated: list[tuple[int, str]] = field(default_factory=list)
    held: list[tuple[int, str]] = field(default_factory=list)
    sent: int = 0
    remediations: list[tuple[str, str]] = field(default_factory=list)


class Scheduler:
    def __init__(self, store: Store, config: EngineConfig, clock: Clock, metrics: EngineMetrics,
                 events: Broadcaster, remediator: Remediator) -> None:
        self.store, self.config, self.clock = store, config, clock
        self.metrics, self.events, self.remediator = metrics, events, remediator
        self.publish = broadcast(events)
        self._levels = {level.level: level for level in config.spec.escalation}
        self._tick_lock = threading.Lock()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_purge: dt.datetime | None = None

    def tick(self) -> TickReport:
        """One pass: escalations due now, then remediation, then every due message."""
        with self._tick_lock:
            now = self.clock.now()
            report = TickReport()
            to_remediate = self._fire_due(now, report)
            for incident_id in to_remediate:
                report.remediations += remediate_incident(self.store, self.remediator, incident_id, now, self.publish,
                                                          self.metrics)
            report.sent = deliver_due(self.store, self.config, now, self.publish, self.metrics)
            self._maybe_purge(now)
            self.metrics.heartbeat.set(now.timestamp())
            return report

    def _fire_due(self, now: dt.datetime, report: TickReport) -> list[int]:
        spec = self.config.spec
        remediate: list[int] = []
        if not self._anything_due(now):  # the common case: no write transaction, no fsync
            return remediate
        with recording(self.store, self.publish) as (session, changes):
            due = session.execute(select(Escalation, Incident).join(Incident, Escalation.incident_id == Incident.id)
                                  .where(Escalation.state == EscalationState.PENDING, Escalation.due_at <= now)
                                  .order_by(Escalation.due_at, Escalation.id)).all()
            for escalation, incident in due:
                if incident.status != IncidentStatus.OPEN:
                    escalation.state = EscalationState.CANCELLED
                    continue
                window = holding_window(spec, incident.tenant, incident.services, now)
                if window is not None:
                    if escalation.held_by != window:
                        escalation.held_by = window
                        changes.note(incident, TimelineKind.HELD, ENGINE,
                                     f"{escalation.level} notifications held by maintenance window {window}", now)
                        report.held.append((incident.id, escalation.level))
                    continue
                level = self._levels.get(escalation.level)
                escalation.state = EscalationState.FIRED
                if level is None:  # the spec changed since the row was planned
                    continue
                if incident.escalation_level is None or ESCALATION_LEVELS.index(level.level) > ESCALATION_LEVELS.index(incident.escalation_level):
                    incident.escalation_level = level.level
                queued, skipped = enqueue_trigger(session, spec, incident, level, now,
                                                  cause=unresolved_cause(session, incident))
                detail = f"{level.level}: notify {', '.join(queued) or 'nobody'}"
                detail += "".join(f"; skipped {name} ({why})" for name, why in skipped.items())
                changes.note(incident, TimelineKind.ESCALATED, ENGINE, detail, now)
                report.escalated.append((incident.id, level.level))
                if level.auto_remediation and spec.intelligent_alerts.auto_remediation:
                    remediate.append(incident.id)
        return remediate

    def _anything_due(self, now: dt.datetime) -> bool:
        with self.store.read() as session:
            return session.scalar(select(Escalation.id).where(Escalation.state == EscalationState.PENDING, Escalation.due_at <= now)
                                  .limit(1)) is not None

    def _maybe_purge(self, now: dt.datetime) -> None:
        if self.config.retention_days is None:
            return
        if self._last_purge is not None and now - self._last_purge < RETENTION_EVERY:
            return
        self._last_purge = now
        purge(self.store, now - dt.timedelta(days=self.config.retention_days))

    def wake(self) -> None:
        """Ask the loop for a pass now (thread-safe; a no-op when the loop is not running)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        while True:
            try:
                await asyncio.to_thread(self.tick)
            except Exception as exc:  # keep scheduling; the heartbeat metric shows a stuck loop
                log.error("scheduler pass failed: %s", type(exc).__name__, exc_info=True)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.config.tick_interval)
                await asyncio.sleep(min(WAKE_COALESCE, self.config.tick_interval))  # one pass for a burst of wakes
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
