"""The engine's own Prometheus metrics (names from conventions.ENGINE_*), on its own registry
so several apps (tests) never clash. Open incidents are counted from the store at scrape time,
so the gauge is right after a restart too."""

from __future__ import annotations

from typing import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tenantwatch import conventions
from tenantwatch.engine.clock import Clock
from tenantwatch.engine.notifications.backlog import OutboxBacklog
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.models import Incident
from tenantwatch.engine.vocabulary import IncidentStatus


def _base(name: str) -> str:
    """prometheus-client adds `_total` to counters itself."""
    return name.removesuffix("_total")


class OpenIncidents(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(conventions.ENGINE_INCIDENTS_OPEN, "Incidents not yet resolved, by tenant and severity",
                                   labels=["tenant", "severity"])
        with self.store.read() as session:
            rows = session.execute(select(Incident.tenant, Incident.severity, func.count())
                                   .where(Incident.status != IncidentStatus.RESOLVED).group_by(Incident.tenant, Incident.severity)).all()
        for tenant, severity, count in rows:
            family.add_metric([tenant, severity], count)
        yield family


class EngineMetrics:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.alerts_received = Counter(_base(conventions.ENGINE_ALERTS_RECEIVED), "Alerts received on the webhook", ["status"], registry=r)
        self.intake_errors = Counter(_base(conventions.ENGINE_INTAKE_ERRORS), "Webhook requests refused", ["reason"], registry=r)
        self.notifications = Counter(_base(conventions.ENGINE_NOTIFICATIONS), "Notification attempts", ["channel", "outcome"], registry=r)
        self.remediations = Counter(_base(conventions.ENGINE_REMEDIATIONS), "Remediations run", ["action", "outcome"], registry=r)
        self.heartbeat = Gauge(conventions.ENGINE_SCHEDULER_HEARTBEAT, "When the scheduler last completed a pass", registry=r)
        self.leader = Gauge(conventions.ENGINE_LEADER, "1 while this engine processes the intake log and runs the scheduler (one replica at a time)", registry=r)
        self.intake_lag = Histogram(conventions.ENGINE_INTAKE_LAG, "Seconds from a webhook's 2xx to its alerts being in incidents",
                                    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120), registry=r)
        self.intake_backlog = Gauge(conventions.ENGINE_INTAKE_BACKLOG, "Webhook requests accepted but not yet processed", registry=r)
        self.request_duration = Histogram(conventions.ENGINE_REQUEST_DURATION, "HTTP request latency", ["route", "method", "code"], registry=r)
        r.register(OpenIncidents(store))
        r.register(OutboxBacklog(store, clock))
