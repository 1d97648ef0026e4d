"""SLO recording rules: error ratios over every burn-rate window, and for every SLO the error
budget left over `slo_period` and the burn rate of the last hour.

SLOs: availability and latency of HTTP services, the worker's job success ratio, per-route
(`handler`) availability and latency of the routes the spec lists, and custom SLOs given as
good/total PromQL. Each budget and burn-rate series carries an `slo` label ("availability",
"latency", "jobs", "route_availability" and "route_latency" with the route's `handler`, or
the custom SLO's name), so one dashboard panel shows them all. Kept in their own file: the long windows are the costliest rules, and
only SLO alerts and dashboards read them.
"""

from __future__ import annotations

import re

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.promql import number, objective_join
from tenantwatch.render.prometheus.recording import Recorder, matcher, owned, promql_string, services_of
from tenantwatch.render.prometheus.timing import Window
from tenantwatch.render.prometheus.windows import all_windows

LATENCY_BUDGET = 0.05  # a p95 objective lets 5% of requests be slower
BY_ROUTE = "by (tenant, service, handler)"
WINDOW_PLACEHOLDER = "$window"


def route_matcher(service: str, handlers: list[str]) -> str:
    return f'service="{service}", handler=~{promql_string("|".join(re.escape(h) for h in handlers))}'


class SloRecorder:
    """The SLO rules of one spec (empty when it has no SLO)."""

    def __init__(self, recorder: Recorder) -> None:
        self.r, self.spec, self.t = recorder, recorder.spec, recorder.t
        self.five = self.t.span(300)
        self.windows = [self.five, *(w for w in all_windows(self.spec.slo_period, self.t) if w.name != self.five.name)]
        self.hour = self.t.span(3600)
        self.period = self.t.w(self.spec.slo_period)

    def rules(self) -> list[dict]:
        return [*self._http(), *self._jobs(), *self._routes(), *self._custom()]

    def _budget(self, slo: str, ratio: str, allowed: str, **labels: str) -> list[dict]:
        """Budget left over the SLO period and burn rate over the last hour of one SLO, given
        the recorded error ratio `ratio(window name)` and the allowed error ratio (PromQL)."""
        spent = f"avg_over_time({ratio.format(window=self.five.name)}[{self.period}])"
        return [
            self.r.rule(c.SLO_ERROR_BUDGET_REMAINING, f"1 - {spent} / {allowed}", slo=slo, **labels),
            self.r.rule(c.SLO_BURN_RATE, f"{ratio.format(window=self.hour.name)} / {allowed}", slo=slo, **labels),
        ]

    def _http(self) -> list[dict]:
        services = services_of(self.spec, "http")
        if not services:
            return []
        sel = matcher(services)
        rules = [self.r.rule(c.http_error_ratio(w.name), self.r.error_ratio(sel, w.expr))
                 for w in self.windows if w.name != self.five.name]
        rules += [self.r.rule(c.http_slow_ratio(w.name), self._slow_ratio(sel, w)) for w in self.windows]
        errors = self.r.name(c.http_error_ratio("{window}"))
        budget = f"on(tenant) group_left() (1 - {objective_join('availability', self.r.name(c.http_error_ratio(self.five.name)))})"
        rules += self._budget("availability", errors, budget)
        rules += self._budget("latency", self.r.name(c.http_slow_ratio("{window}")), number(LATENCY_BUDGET))
        return rules

    def _slow_ratio(self, sel: str, w: Window, by: str = "by (tenant, service)", edges: str | None = None) -> str:
        """1 - (requests within the objective's bucket) / all requests. Tenants with their own
        latency objective match their own `le` series, every other tenant the default one;
        routes (`edges` given) match their route's `le` series."""
        buckets = owned(f"rate(http_request_duration_seconds_bucket{{{sel}}}[{w.expr}])")
        count = owned(f"rate(http_request_duration_seconds_count{{{sel}}}[{w.expr}])")
        if edges is not None:
            fast = f"sum {by} ({buckets} and on(service, handler, le) {edges})"
        else:
            own = c.objective_le("latency_p95")
            default = c.objective_le_default("latency_p95")
            fast = (f"sum {by} ({buckets} and on(tenant, service, le) {own}"
                    f" or ({buckets} unless on(tenant) {own}) and on(service, le) {default})")
        return f"1 - ({fast} / sum {by} ({count}))"

    def _jobs(self) -> list[dict]:
        services = services_of(self.spec, "worker")
        if not services:
            return []
        sel = matcher(services)
        rules = [self.r.rule(c.worker_failure_ratio(w.name), self.r.failure_ratio(sel, w.expr))
                 for w in self.windows if w.name != self.five.name]
        five = self.r.name(c.worker_failure_ratio(self.five.name))
        budget = f"on(tenant) group_left() (1 - {objective_join('job_success', five)})"
        return rules + self._budget("jobs", self.r.name(c.worker_failure_ratio("{window}")), budget)

    def _routes(self) -> list[dict]:
        rules: list[dict] = []
        for service in services_of(self.spec, "http"):
            routes = list(self.spec.services[service].routes)
            if not routes:
                continue
            sel = route_matcher(service, routes)
            for w in self.windows:
                rules.append(self.r.rule(c.route_error_ratio(w.name), self.r.error_ratio(sel, w.expr, BY_ROUTE)))
                rules.append(self.r.rule(c.route_slow_ratio(w.name), self._slow_ratio(sel, w, BY_ROUTE, c.OBJECTIVE_LE_ROUTE)))
        if not rules:
            return []
        availability = f"on(service, handler) group_left() (1 - {c.objective_route('availability')})"
        rules += self._budget("route_availability", self.r.name(c.route_error_ratio("{window}")), availability)
        rules += self._budget("route_latency", self.r.name(c.route_slow_ratio("{window}")), number(LATENCY_BUDGET))
        return rules

    def _custom(self) -> list[dict]:
        rules: list[dict] = []
        for name, slo in self.spec.slos.items():
            labels = {"slo": name, **({"service": slo.service} if slo.service else {})}
            for w in self.windows:
                good, total = (q.replace(WINDOW_PLACEHOLDER, w.expr) for q in (slo.good, slo.total))
                rules.append(self.r.rule(c.custom_error_ratio(w.name), owned(f"1 - ({good}) / ({total})"), **labels))
        if rules:
            allowed = f"on(slo) group_left() (1 - {c.OBJECTIVE_SLO})"
            ratio = self.r.name(c.custom_error_ratio("{window}"))
            spent = f"avg_over_time({ratio.format(window=self.five.name)}[{self.period}])"
            rules.append(self.r.rule(c.SLO_ERROR_BUDGET_REMAINING, f"1 - {spent} / {allowed}"))
            rules.append(self.r.rule(c.SLO_BURN_RATE, f"{ratio.format(window=self.hour.name)} / {allowed}"))
        return rules

