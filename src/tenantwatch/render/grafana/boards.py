"""The five dashboards of the seed, as data over the recording rules.

Thresholds are the platform-wide objectives; a tenant's own objectives (overrides) are
what its alerts use, the red line shows the default a reader compares against.
"""

from __future__ import annotations

from typing import Callable

from tenantwatch import conventions as c
from tenantwatch.render.grafana.panels import Board, Graph, Query
from tenantwatch.render.grafana.series import by_service, raw
from tenantwatch.spec.models import Spec

PER_SERVICE = "{{tenant}} / {{service}}"
PER_TENANT = "{{tenant}}"


def _q(expr: str, legend: str = PER_SERVICE) -> tuple[Query, ...]:
    return (Query(expr, legend),)


def system_overview(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["overview"], f"{spec.platform}: system overview",
                 "Health of every tenant's services at a glance: up, traffic, errors, latency, SLO.", (
        ("Health", (
            Graph("Services down", _q(f'count by (tenant) (up{{{c.TENANT}=~"$tenant"}} == 0)', PER_TENANT), kind="stat", red_above=1),
            Graph("Request rate", _q(f"sum by (tenant) ({by_service(p, 'http_requests', 'rate5m')})", PER_TENANT), "reqps", kind="stat"),
            Graph("Worst error ratio", _q(f"max by (tenant) ({by_service(p, 'http_requests_errors', 'ratio_rate5m')})", PER_TENANT),
                  "percentunit", kind="stat", red_above=o.error_rate),
            Graph("Worst p95 latency", _q(f"max by (tenant) ({by_service(p, 'http_request_duration_seconds', 'p95_5m')})", PER_TENANT),
                  "s", kind="stat", red_above=o.latency_p95),
        )),
        ("Service level", (
            Graph("Availability (non-5xx ratio)", _q(f"1 - {by_service(p, 'http_requests_errors', 'ratio_rate1h')}"),
                  "percentunit", red_below=o.availability),
            Graph("Error ratio", _q(by_service(p, "http_requests_errors", "ratio_rate5m")), "percentunit", red_above=o.error_rate),
        )),
    ))


def api_performance(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["api"], f"{spec.platform}: API performance",
                 "HTTP services per tenant: throughput, errors and latency against the objectives.", (
        ("Traffic", (
            Graph("Requests per second", _q(by_service(p, "http_requests", "rate5m")), "reqps", red_above=o.throughput_rps),
            Graph("5xx ratio", _q(by_service(p, "http_requests_errors", "ratio_rate5m")), "percentunit", red_above=o.error_rate),
        )),
        ("Latency", (
            Graph("p95 latency", _q(by_service(p, "http_request_duration_seconds", "p95_5m")), "s", red_above=o.latency_p95),
            Graph("Mean latency", _q(f"sum by (tenant, service) (rate({raw('http_request_duration_seconds_sum')}[$__rate_interval]))"
                                     f" / sum by (tenant, service) (rate({raw('http_request_duration_seconds_count')}[$__rate_interval]))"), "s"),
        )),
    ))


def infrastructure(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["infrastructure"], f"{spec.platform}: infrastructure resources",
                 "Containers, volumes, network, PostgreSQL, Redis and workers of each tenant, as a share of their limits.", (
        ("Containers", (
            Graph("CPU used / limit", _q(by_service(p, "container_cpu", "usage_ratio")), "percentunit", red_above=o.cpu_saturation),
            Graph("Memory used / limit", _q(by_service(p, "container_memory", "usage_ratio")), "percentunit", red_above=o.memory_saturation),
            Graph("Restarts per hour", _q(by_service(p, "container_restarts", "increase1h")), red_above=o.restarts_per_hour),
            Graph("Volume used", _q(by_service(p, "volume", "usage_ratio")), "percentunit", red_above=o.volume_usage),
        )),
        ("Data stores and workers", (
            Graph("PostgreSQL connections / max", _q(by_service(p, "pg_connections", "usage_ratio")), "percentunit", red_above=o.connection_usage),
            Graph("Redis memory / max", _q(by_service(p, "redis_memory", "usage_ratio")), "percentunit", red_above=o.redis_memory_usage),
            Graph("Queue depth", _q(by_service(p, "queue_depth", "max")), red_above=o.queue_backlog),
            Graph("Job failure ratio", _q(by_service(p, "worker_jobs_failed", "ratio_rate5m")), "percentunit", red_above=o.job_failure_rate),
        )),
    ))


def machine_learning(spec: Spec) -> Board:
    p, o = spec.tenant_isolation.metrics_prefix, spec.objectives
    return Board(c.DASHBOARD_UIDS["ml"], f"{spec.platform}: machine learning",
                 "Model quality and serving per tenant: accuracy, drift, prediction latency and volume.", (
        ("Quality", (
            Graph("Accuracy", _q(by_service(p, "model_accuracy", "min")), "percentunit", red_below=o.model_accuracy),
            Graph("Drift score (PSI)", _q(by_service(p, "model_drift_score", "max")), red_above=o.drift_score),
        )),
        ("Serving", (
            Graph("Predictions per second", _q(by_service(p, "model_predictions", "rate5m")), "reqps"),
            Graph("Prediction p95 latency", _q(by_service(p, "model_prediction_duration_seconds", "p95_5m")), "s"),
        )),
    ))


def security(spec: Spec) -> Board:
    o = spec.objectives
    failures = raw("auth_attempts_total", 'outcome="failure"')
    return Board(c.DASHBOARD_UIDS["security"], f"{spec.platform}: security",
                 "Authentication failures and security events per tenant.", (
        ("Authentication", (
            Graph("Failed logins per minute", _q(f"60 * sum by (tenant) (rate({failures}[$__rate_interval]))", PER_TENANT),
                  red_above=o.auth_failures_per_minute),
        )),
        ("Events", (
            Graph("Security events per minute", _q(f"60 * sum by (tenant, kind) (rate({raw('security_events_total')}[$__rate_interval]))",
                                                   "{{tenant}} / {{kind}}")),
        )),
    ))


BOARDS: tuple[Callable[[Spec], Board], ...] = (system_overview, api_performance, infrastructure, machine_learning, security)
