"""SLO alerts: multi-window, multi-burn-rate (fast burn pages, slow burn opens a ticket).

Availability is request-based (5xx / all); its error budget is 1 - the tenant's
availability objective, joined per tenant. Latency: the share of requests slower than
the tenant's latency objective (recorded per tenant through `le` series), against the
budget a p95 objective allows (5% of requests). Jobs: failed / all jobs of a worker against
the tenant's job_success objective. Routes (`services.<name>.routes`) and custom SLOs
(`slos`) have their own objectives, joined on (service, handler) or on the SLO's name.
"""

from __future__ import annotations

from typing import Callable

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import PCT, TS
from tenantwatch.render.prometheus.labels import HTTP_EXTRA
from tenantwatch.render.prometheus.probes import Share
from tenantwatch.render.prometheus.probes_shaped import Histogram, Recorded
from tenantwatch.render.prometheus.promql import number, objective_join
from tenantwatch.render.prometheus.recording import Recorder, services_of
from tenantwatch.render.prometheus.recording_slo import LATENCY_BUDGET
from tenantwatch.render.prometheus.windows import BurnWindow, burn_windows

SPEEDS = {"page": ("critical", 120.0), "ticket": ("warning", 900.0)}
NAMES = {
    "page": (c.ALERT_SLO_ERROR_FAST, c.ALERT_SLO_LATENCY_FAST, c.ALERT_SLO_JOBS_FAST,
             c.ALERT_SLO_ROUTE_ERROR_FAST, c.ALERT_SLO_ROUTE_LATENCY_FAST, c.ALERT_SLO_CUSTOM_FAST),
    "ticket": (c.ALERT_SLO_ERROR_SLOW, c.ALERT_SLO_LATENCY_SLOW, c.ALERT_SLO_JOBS_SLOW,
               c.ALERT_SLO_ROUTE_ERROR_SLOW, c.ALERT_SLO_ROUTE_LATENCY_SLOW, c.ALERT_SLO_CUSTOM_SLOW),
}
Ratio = Callable[[str], str]  # window name -> recorded ratio
Budget = Callable[[float, str], str]  # (burn factor, ratio) -> the threshold it is compared with


def _burn_expr(windows: list[BurnWindow], ratio: Ratio, budget: Budget) -> str:
    """(long > F x budget and short > F x budget) or ... for every window pair."""
    pairs = []
    for w in windows:
        long, short = ratio(w.long.name), ratio(w.short.name)
        pairs.append(f"({long} > {budget(w.factor, long)} and {short} > {budget(w.factor, short)})")
    return " or ".join(pairs)


def _tenant_budget(objective: str) -> Budget:
    return lambda factor, signal: f"on(tenant) group_left() ({number(factor)} * (1 - {objective_join(objective, signal)}))"


def _fixed_budget(allowed: float) -> Budget:
    return lambda factor, signal: number(factor * allowed)


def _joined_budget(on: str, objective: str) -> Budget:
    return lambda factor, signal: f"on({on}) group_left() ({number(factor)} * (1 - {objective}))"


class SloAlerts:
    """The burn-rate alerts of one speed (page or ticket)."""

    def __init__(self, r: Recorder, speed: str) -> None:
        self.r, self.speed = r, speed
        self.severity, self.hold = SPEEDS[speed]
        self.windows = burn_windows(speed, r.spec.slo_period, r.t)
        self.lowest = min(w.factor for w in self.windows)
        self.factors = " or ".join(f"{number(w.factor)}x over {w.long.expr}" for w in self.windows)
        self.names = dict(zip(("errors", "latency", "jobs", "route_errors", "route_latency", "custom"), NAMES[speed]))

    def _ratio(self, name_of: Callable[[str], str]) -> Ratio:
        return lambda window: self.r.name(name_of(window))

    def _alert(self, what: str, ratio: Ratio, budget: Budget, by: tuple[str, ...], summary: str, description: str,
               probe, **kw) -> AlertDef:
        return AlertDef(
            self.names[what], "slo", self.severity, ratio(self.windows[0].long.name), by, summary, description, probe,
            expr=_burn_expr(self.windows, ratio, budget), kind=kw.pop("kind", "http"), hold=self.hold,
            settle=self.r.t.window(300), board="slo", **kw,
        )

    def _success(self, what: str, name_of: Callable[[str], str], objective: str, events: str, probe: Share,
                 **kw) -> AlertDef:
        """An SLO on the share of good events (requests, jobs) against the tenant's objective."""
        noun = objective.replace("_", " ")
        return self._alert(
            what, self._ratio(name_of), _tenant_budget(objective), TS,
            f"{{service}} burns its {noun} error budget for tenant {{tenant}}",
            f"{{value}} of {{service}} {events} for tenant {{tenant}} fail, burning the error budget of the "
            f"{{objective}} {noun} objective faster than {self.factors}.",
            probe, objective=objective, limit=lambda o, f=self.lowest: f * (1 - o), cap=1.0, formats=PCT, **kw,
        )

    def http(self) -> list[AlertDef]:
        services = services_of(self.r.spec, "http")
        if not services:
            return []
        buckets = self.r.spec.services[services[0]].latency_buckets
        return [
            self._success("errors", c.http_error_ratio, "availability", "requests",
                          Share("http_requests_total", {**HTTP_EXTRA, "code": "500"}, {**HTTP_EXTRA, "code": "200"})),
            self._alert(
                "latency", self._ratio(c.http_slow_ratio), _fixed_budget(LATENCY_BUDGET), TS,
                "{service} burns its latency budget for tenant {tenant}",
                "{value} of {service} requests for tenant {tenant} are slower than the {objective} objective, "
                f"burning the {number(LATENCY_BUDGET * 100)}% budget faster than {self.factors}.",
                Histogram("http_request_duration_seconds", buckets, with_count=True),
                objective="latency_p95", formats=("humanizePercentage", "humanizeDuration"), shown=lambda v: 1.0,
            ),
        ]

    def jobs(self) -> list[AlertDef]:
        if not services_of(self.r.spec, "worker"):
            return []
        queue = {"queue": "default"}
        return [self._success("jobs", c.worker_failure_ratio, "job_success", "jobs",
                              Share("worker_jobs_total", {**queue, "outcome": "failure"}, {**queue, "outcome": "success"}),
                              kind="worker", shared_too=True)]

    def routes(self) -> list[AlertDef]:
        """Per-route SLOs; the generated tests probe the first listed route."""
        listed = [(s, h, route) for s in services_of(self.r.spec, "http") for h, route in self.r.spec.services[s].routes.items()]
        if not listed:
            return []
        service, handler, route = listed[0]
        availability = route.availability if route.availability is not None else self.r.spec.objectives.availability
        by = (*TS, "handler")
        where = {"handler": handler}
        return [
            self._alert(
                "route_errors", self._ratio(c.route_error_ratio), _joined_budget("service, handler", c.objective_route("availability")), by,
                "{service} route {handler} burns its availability error budget for tenant {tenant}",
                f"{{value}} of requests to {{handler}} on {{service}} for tenant {{tenant}} fail, burning the route's error budget faster than {self.factors}.",
                Share("http_requests_total", {**HTTP_EXTRA, "code": "500", **where}, {**HTTP_EXTRA, "code": "200", **where}),
                threshold=self.lowest * (1 - availability), cap=1.0, formats=PCT, sample_labels=where, sample_service=service,
            ),
            self._alert(
                "route_latency", self._ratio(c.route_slow_ratio), _fixed_budget(LATENCY_BUDGET), by,
                "{service} route {handler} burns its latency budget for tenant {tenant}",
                f"{{value}} of requests to {{handler}} on {{service}} for tenant {{tenant}} are slower than the route's latency objective, "
                f"burning the {number(LATENCY_BUDGET * 100)}% budget faster than {self.factors}.",
                Histogram("http_request_duration_seconds", self.r.spec.services[service].latency_buckets, with_count=True),
                threshold=self._route_latency(service, route), formats=("humanizePercentage", "humanizeDuration"),
                shown=lambda v: 1.0, sample_labels=where, sample_service=service,
            ),
        ]

    def _route_latency(self, service: str, route) -> float:
        return route.latency_p95 if route.latency_p95 is not None else self.r.spec.objectives.latency_p95

    def custom(self) -> list[AlertDef]:
        """Custom SLOs: their good/total queries are the user's, so the generated tests feed the
        recorded error ratios directly (the queries themselves are checked by promtool)."""
        if not self.r.spec.slos:
            return []
        name, slo = next(iter(self.r.spec.slos.items()))
        metrics = [self.r.name(c.custom_error_ratio(w.name)) for pair in self.windows for w in (pair.long, pair.short)]
        return [self._alert(
            "custom", self._ratio(c.custom_error_ratio), _joined_budget("slo", c.OBJECTIVE_SLO), ("tenant", "slo"),
            "SLO {slo} burns its error budget for tenant {tenant}",
            f"{{value}} of the events of SLO {{slo}} for tenant {{tenant}} are bad, burning its error budget faster than {self.factors}.",
            Recorded(tuple(dict.fromkeys(metrics))), threshold=self.lowest * (1 - slo.objective), cap=1.0, formats=PCT,
            kind=None, sample_labels={"slo": name},
        )]


def slo_alerts(r: Recorder) -> list[AlertDef]:
    out = []
    for speed in SPEEDS:
        alerts = SloAlerts(r, speed)
        out += [*alerts.http(), *alerts.jobs(), *alerts.routes()]
    return out


def custom_slo_alerts(r: Recorder) -> list[AlertDef]:
    return [alert for speed in SPEEDS for alert in SloAlerts(r, speed).custom()]
