"""The dashboards, as data over the recording rules.

Red lines are the platform-wide objectives (a tenant's overrides apply to its alerts; the
line shows the default a reader compares against). A panel that needs a service kind the
spec does not have is left out, since its recording rule is not rendered either; a board
left without panels is not rendered at all. Ratio rules are read by their nominal window
names (`..._ratio_rate5m`), which both render profiles share.
"""

from __future__ import annotations

from typing import Callable

from tenantwatch import conventions as c
from tenantwatch.render.grafana.panels import Board, Graph, Query, Variable
from tenantwatch.render.grafana.series import raw, rec
from tenantwatch.render.prometheus.intelligent import Z_LIMIT
from tenantwatch.spec.models import Spec

SERVICE = "{{tenant}} / {{service}}"
TENANT = "{{tenant}}"
SHORT, HOUR = "5m", "1h"  # nominal windows: the rule names, whatever the profile's real range
SLO_KINDS = ("http", "worker")  # kinds with built-in SLOs (availability/latency/routes, jobs)


def _q(expr: str, legend: str = SERVICE) -> tuple[Query, ...]:
    return (Query(expr, legend),)


def system_overview(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["overview"], f"{spec.platform}: system overview",
                 "Every tenant at a glance: services up, traffic, errors, latency, SLO, business.", (
        ("Health", (
            Graph("Services down", _q(f"sum by (tenant) (1 - {raw('up')})", TENANT), kind="stat", red_above=1),
            Graph("Request rate", _q(f"sum by (tenant) ({rec(p, c.HTTP_REQUEST_RATE)})", TENANT), "reqps", kind="stat", needs="http"),
            Graph("Worst 5xx ratio", _q(f"max by (tenant) ({rec(p, c.http_error_ratio(SHORT))})", TENANT), "percentunit",
                  kind="stat", red_above=o.error_rate, needs="http"),
            Graph("Worst p95 latency", _q(f"max by (tenant) ({rec(p, c.HTTP_LATENCY_P95)})", TENANT), "s",
                  kind="stat", red_above=o.latency_p95, needs="http"),
        )),
        ("Service level", (
            Graph("Availability, last hour", _q(f"1 - {rec(p, c.http_error_ratio(HOUR))}"), "percentunit",
                  red_below=o.availability, needs="http"),
            Graph("Requests slower than the objective, last hour", _q(rec(p, c.http_slow_ratio(HOUR))), "percentunit", needs="http"),
        )),
        ("Business", (
            Graph("Sessions per second", _q(rec(p, c.BUSINESS_SESSION_RATE), TENANT), "reqps"),
            Graph("Conversion ratio", _q(rec(p, c.BUSINESS_CONVERSION_RATIO), TENANT), "percentunit"),
            Graph("Cost per hour", _q(f"3600 * {rec(p, c.TENANT_COST_RATE)}", TENANT), "currencyEUR"),
        )),
    ))


def api_performance(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["api"], f"{spec.platform}: API performance",
                 "HTTP services per tenant: throughput, errors and latency against the objectives.", (
        ("Traffic", (
            Graph("Requests per second", _q(rec(p, c.HTTP_REQUEST_RATE)), "reqps", red_above=o.throughput_rps, needs="http"),
            Graph("5xx ratio", _q(rec(p, c.http_error_ratio(SHORT))), "percentunit", red_above=o.error_rate, needs="http"),
        )),
        ("Latency", (
            Graph("p95 latency", _q(rec(p, c.HTTP_LATENCY_P95)), "s", red_above=o.latency_p95, needs="http"),
            Graph("Mean latency", _q(rec(p, c.HTTP_LATENCY_MEAN)), "s", needs="http"),
        )),
        *(_anomaly_row(spec) if spec.intelligent_alerts.machine_learning else ()),
    ))


def _anomaly_row(spec: Spec) -> tuple[tuple[str, tuple[Graph, ...]], ...]:
    """The z-scores the anomaly alerts read: beyond +-Z_LIMIT a signal left its usual band."""
    p = spec.tenant_isolation.metrics_prefix
    signals = (("Traffic", c.HTTP_REQUEST_RATE), ("Mean latency", c.HTTP_LATENCY_MEAN), ("5xx ratio", c.http_error_ratio(SHORT)))
    return (("Anomaly (z-score against the last day)", tuple(
        Graph(f"{title} z-score", _q(rec(p, c.zscore(suffix))), red_above=Z_LIMIT, needs="http",
              description=f"Standard deviations from the signal's own daily mean; an alert fires beyond +-{Z_LIMIT}.")
        for title, suffix in signals)),)


def infrastructure(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["infrastructure"], f"{spec.platform}: infrastructure resources",
                 "Containers, volumes, network, PostgreSQL, Redis and workers of each tenant, against their limits.", (
        ("Containers", (
            Graph("CPU used / limit", _q(rec(p, c.CONTAINER_CPU_LIMIT_RATIO)), "percentunit", red_above=o.cpu_saturation),
            Graph("Memory used / limit", _q(rec(p, c.CONTAINER_MEMORY_LIMIT_RATIO)), "percentunit", red_above=o.memory_saturation),
            Graph("Restarts in the last hour", _q(rec(p, c.CONTAINER_RESTARTS)), red_above=o.restarts_per_hour),
            Graph("Volume used", _q(rec(p, c.VOLUME_USAGE_RATIO), "{{tenant}} / {{persistentvolumeclaim}}"), "percentunit",
                  red_above=o.volume_usage),
        )),
        ("Network", (
            Graph("Received and sent", (Query(rec(p, c.NETWORK_RECEIVE_RATE), "{{tenant}} in"),
                                        Query(rec(p, c.NETWORK_TRANSMIT_RATE), "{{tenant}} out")), "Bps"),
            Graph("Dropped packets per second", _q(rec(p, c.NETWORK_DROPS_RATE), TENANT), red_above=o.network_drops_per_second),
        )),
        ("PostgreSQL", (
            Graph("Connections / max_connections", _q(rec(p, c.PG_CONNECTIONS_RATIO)), "percentunit",
                  red_above=o.connection_usage, needs="postgres"),
            Graph("Deadlocks per minute", _q(f"60 * {rec(p, c.PG_DEADLOCKS_RATE)}"), red_above=o.deadlocks_per_minute, needs="postgres"),
            Graph("Longest transaction", _q(rec(p, c.PG_TX_DURATION_MAX)), "s", red_above=o.long_transaction, needs="postgres"),
        )),
        ("Redis", (
            Graph("Memory / maxmemory", _q(rec(p, c.REDIS_MEMORY_RATIO)), "percentunit", red_above=o.redis_memory_usage, needs="redis"),
            Graph("Clients / maxclients", _q(rec(p, c.REDIS_CLIENTS_RATIO)), "percentunit", red_above=o.redis_clients_usage, needs="redis"),
            Graph("Keyspace hit ratio", _q(rec(p, c.REDIS_HIT_RATIO)), "percentunit", needs="redis"),
        )),
        ("Workers", (
            Graph("Queue depth", _q(rec(p, c.QUEUE_DEPTH), "{{tenant}} / {{service}} / {{queue}}"), red_above=o.queue_backlog, needs="worker"),
            Graph("Failed jobs ratio", _q(rec(p, c.WORKER_FAILURE_RATIO)), "percentunit", red_above=o.job_failure_rate, needs="worker"),
        )),
    ))


def machine_learning(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    per_model = "{{tenant}} / {{service}} / {{model}}"
    return Board(c.DASHBOARD_UIDS["ml"], f"{spec.platform}: machine learning",
                 "Model quality and serving per tenant: accuracy, drift, prediction latency and volume.", (
        ("Quality", (
            Graph("Accuracy", _q(rec(p, c.MODEL_ACCURACY), per_model), "percentunit", red_below=o.model_accuracy, needs="model"),
            Graph("Drift score (PSI)", _q(rec(p, c.MODEL_DRIFT), per_model), red_above=o.drift_score, needs="model"),
        )),
        ("Serving", (
            Graph("Predictions per second", _q(rec(p, c.MODEL_PREDICTION_RATE)), "reqps", needs="model"),
            Graph("Prediction p95 latency", _q(rec(p, c.MODEL_LATENCY_P95)), "s", needs="model"),
            Graph("Training duration", _q(raw("model_training_duration_seconds"), per_model), "s", needs="model"),
        )),
    ))


def security(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["security"], f"{spec.platform}: security",
                 "Authentication failures and security events per tenant.", (
        ("Authentication", (
            Graph("Failed logins per minute", _q(f"60 * {rec(p, c.AUTH_FAILURE_RATE)}", TENANT), red_above=o.auth_failures_per_minute),
        )),
        ("Events", (
            Graph("Security events, last 5 minutes", _q(rec(p, c.SECURITY_EVENTS), "{{tenant}} / {{kind}}"), red_above=1),
        )),
    ))


def service_levels(spec: Spec) -> Board:
    """Every SLO (the `slo` label: availability, latency, jobs, per route, custom) per tenant
    and service: budget left over slo_period and how fast it burns."""
    p = spec.tenant_isolation.metrics_prefix
    has_slos = bool(spec.slos) or any(s.kind in SLO_KINDS for s in spec.services.values())
    chosen = f'{c.SLO_LABEL}=~"${c.SLO_LABEL}"'
    per_slo = "{{tenant}} / {{service}} / {{slo}}"
    budget, burn = rec(p, c.SLO_ERROR_BUDGET_REMAINING, chosen), rec(p, c.SLO_BURN_RATE, chosen)
    rows = (
        ("Error budget", (
            Graph("Error budget left", _q(budget, per_slo), "percentunit", kind="stat", red_below=0,
                  description="Share of the error budget of the SLO period not yet spent; below 0 the objective is missed."),
            Graph("Error budget left over time", _q(budget, per_slo), "percentunit", red_below=0),
        )),
        ("Burn rate", (
            Graph("Burn rate, last hour", _q(burn, per_slo), red_above=1,
                  description="1 spends the budget exactly over the SLO period; the page fires when the budget "
                              "burns far faster (the multi-window burn-rate alerts)."),
        )),
    ) if has_slos else ()
    return Board(c.DASHBOARD_UIDS["slo"], f"{spec.platform}: service level objectives",
                 "Error budget left and burn rate of every SLO, per tenant and service.", rows,
                 filters=(Variable(c.SLO_LABEL, "SLO", rec(p, c.SLO_ERROR_BUDGET_REMAINING)),))


BOARDS: tuple[Callable[[Spec], Board], ...] = (system_overview, api_performance, infrastructure, machine_learning,
                                               security, service_levels)
