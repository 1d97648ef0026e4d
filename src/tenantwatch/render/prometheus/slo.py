"""SLO alerts: multi-window, multi-burn-rate (fast burn pages, slow burn opens a ticket).

Availability is request-based (5xx / all); its error budget is 1 - the tenant's
availability objective, joined per tenant. Latency: the share of requests slower than
the tenant's latency objective (recorded per tenant through `le` series), against the
budget a p95 objective allows (5% of requests).
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import PCT, TS
from tenantwatch.render.prometheus.labels import HTTP_EXTRA
from tenantwatch.render.prometheus.probes import Share
from tenantwatch.render.prometheus.probes_shaped import Histogram
from tenantwatch.render.prometheus.promql import number, objective_join
from tenantwatch.render.prometheus.recording import Recorder, services_of
from tenantwatch.render.prometheus.windows import BurnWindow, burn_windows

LATENCY_BUDGET = 0.05  # a p95 objective lets 5% of requests be slower
SPEEDS = {"page": ("critical", 120.0), "ticket": ("warning", 900.0)}


def _burn_expr(windows: list[BurnWindow], ratio, budget) -> str:
    """(long > F x budget and short > F x budget) or ... for every window pair."""
    pairs = [
        f"({ratio(w.long)} > {budget(w.factor, ratio(w.long))} and {ratio(w.short)} > {budget(w.factor, ratio(w.short))})"
        for w in windows
    ]
    return " or ".join(pairs)


def _error_budget(factor: float, signal: str) -> str:
    return f"on(tenant) group_left() ({number(factor)} * (1 - {objective_join('availability', signal)}))"


def _latency_budget(factor: float, signal: str) -> str:
    return number(factor * LATENCY_BUDGET)


def slo_alerts(r: Recorder) -> list[AlertDef]:
    services = services_of(r.spec, "http")
    if not services:
        return []
    buckets = r.spec.services[services[0]].latency_buckets
    names = {
        "page": (c.ALERT_SLO_ERROR_FAST, c.ALERT_SLO_LATENCY_FAST),
        "ticket": (c.ALERT_SLO_ERROR_SLOW, c.ALERT_SLO_LATENCY_SLOW),
    }
    out = []
    for speed, (severity, hold) in SPEEDS.items():
        windows = burn_windows(speed, r.spec.slo_period, r.t)
        lowest = min(w.factor for w in windows)
        factors = " or ".join(f"{number(w.factor)}x over {w.long}" for w in windows)
        error_name, latency_name = names[speed]

        def error_ratio(window: str) -> str:
            return r.name(c.http_error_ratio(window))

        def slow_ratio(window: str) -> str:
            return r.name(c.http_slow_ratio(window))

        out.append(AlertDef(
            error_name, "slo", severity, error_ratio(windows[0].long), TS,
            "{service} burns its availability error budget for tenant {tenant}",
            "{value} of {service} requests for tenant {tenant} fail, burning the error budget of the "
            f"{{objective}} availability objective faster than {factors}.",
            Share("http_requests_total", {**HTTP_EXTRA, "code": "500"}, {**HTTP_EXTRA, "code": "200"}),
            objective="availability", expr=_burn_expr(windows, error_ratio, _error_budget),
            limit=lambda o, f=lowest: f * (1 - o), cap=1.0, formats=PCT, kind="http", hold=hold,
            settle=r.t.window(300),
        ))
        out.append(AlertDef(
            latency_name, "slo", severity, slow_ratio(windows[0].long), TS,
            "{service} burns its latency budget for tenant {tenant}",
            "{value} of {service} requests for tenant {tenant} are slower than the {objective} objective, "
            f"burning the {number(LATENCY_BUDGET * 100)}% budget faster than {factors}.",
            Histogram("http_request_duration_seconds", buckets, with_count=True),
            objective="latency_p95", expr=_burn_expr(windows, slow_ratio, _latency_budget),
            formats=("humanizePercentage", "humanizeDuration"), kind="http", hold=hold,
            settle=r.t.window(300), shown=lambda v: 1.0,
        ))
    return out
