"""The background stages built one way, whether they run in the answering process or in the
worker: an intake processor whose changes reach the live views and wake the scheduler."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Protocol

from sqlalchemy.orm import Session

from tenantwatch.engine.clock import Clock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.incidents.correlation import Correlator
from tenantwatch.engine.incidents.timeline import IncidentChanges
from tenantwatch.engine.intake.ingest import IntakeResult, ingest
from tenantwatch.engine.intake.log import IntakeLog
from tenantwatch.engine.intake.payload import WebhookIn
from tenantwatch.engine.intake.processor import IntakeProcessor, Report
from tenantwatch.engine.metrics import EngineMetrics
from tenantwatch.engine.store import Store


class Publisher(Protocol):
    """Where incident events go: the Broadcaster, or (in the worker) the pipe to it."""

    def publish(self, event: dict[str, Any]) -> None: ...


def publisher(events: Publisher, wake: Callable[[], None]) -> Callable[[IncidentChanges], None]:
    """Hand a write's events to the live views and wake the scheduler when incidents changed."""
    def publish(changes: IncidentChanges) -> None:
        for event in changes.events:
            events.publish(event)
        if changes.touched:
            wake()
    return publish


def intake_processor(log: IntakeLog, store: Store, config: EngineConfig, clock: Clock, metrics: EngineMetrics,
                     events: Publisher, wake: Callable[[], None], report: Report | None = None) -> IntakeProcessor:
    correlator = Correlator(config)

    def correlated(session: Session, payload: WebhookIn, who: str, now: dt.datetime) -> IntakeResult:
        return ingest(session, payload, who=who, now=now, correlator=correlator)

    return IntakeProcessor(log, store, correlated, publisher(events, wake), clock.now,
                           observe_lag=metrics.intake_lag.observe,
                           on_set_aside=metrics.intake_errors.labels(reason="set_aside").inc, report=report)
