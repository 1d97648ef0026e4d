"""Recording rules per service kind over the input metrics, aggregated by (tenant, service).

Alerts, anomaly bands and dashboards read these names (conventions.py), never raw inputs,
so each expensive aggregation is computed once per evaluation. A series without a `tenant`
label (a shared service's exporter, Prometheus's own `up`) is recorded as tenant="platform":
one shared database is one platform signal, never one per tenant.
"""

from __future__ import annotations

import json

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.timing import Timing
from tenantwatch.spec import Spec

BY = "by (tenant, service)"
KINDS = ("http", "postgres", "redis", "kafka", "worker", "model")


def services_of(spec: Spec, kind: str) -> list[str]:
    return [name for name, s in spec.services.items() if s.kind == kind]


def matcher(services: list[str]) -> str:
    return f'service=~"{"|".join(services)}"'


def owned(expr: str) -> str:
    """The series with tenant="platform" where they carry no tenant label."""
    return f'label_replace({expr}, "tenant", "{c.PLATFORM_TENANT}", "tenant", "")'


def promql_string(text: str) -> str:
    """A PromQL string literal (Go escaping, which JSON's matches for what specs contain)."""
    return json.dumps(text)


class Recorder:
    """Builds the rules of one spec: names carry the spec's metrics prefix."""

    def __init__(self, spec: Spec, timing: Timing) -> None:
        self.spec, self.t = spec, timing
        self.prefix = spec.tenant_isolation.metrics_prefix

    def name(self, suffix: str) -> str:
        return c.recorded(self.prefix, suffix)

    def rule(self, suffix: str, expr: str, **labels: str) -> dict:
        rule: dict = {"record": self.name(suffix), "expr": expr}
        if labels:
            rule["labels"] = labels
        return rule

    def _rate(self, selector: str, window: str | None = None) -> str:
        """The per-second rate over `window` (a PromQL duration; default: the 5m window)."""
        return owned(f"rate({selector}[{window or self.t.w(300)}])")

    def http(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "http"))
        return [
            self.rule(c.HTTP_REQUEST_RATE, f"sum {BY} ({self._rate(f'http_requests_total{{{sel}}}')})"),
            self.rule(c.HTTP_LATENCY_P95, "histogram_quantile(0.95, sum by (tenant, service, le) "
                                          f"({self._rate(f'http_request_duration_seconds_bucket{{{sel}}}')}))"),
            self.rule(c.HTTP_LATENCY_MEAN, f"sum {BY} ({self._rate(f'http_request_duration_seconds_sum{{{sel}}}')}) / "
                                           f"sum {BY} ({self._rate(f'http_request_duration_seconds_count{{{sel}}}')})"),
            self.rule(c.http_error_ratio("5m"), self.error_ratio(sel, self.t.w(300))),
        ]

    def error_ratio(self, sel: str, window: str, by: str = BY) -> str:
        """5xx / all requests over `window`, per tenant and service (and route with `by`)."""
        failed = 'http_requests_total{%s, code=~"5.."}' % sel
        errors = f"sum {by} ({self._rate(failed, window)})"
        return f"{errors} / sum {by} ({self._rate(f'http_requests_total{{{sel}}}', window)})"

    def postgres(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "postgres"))
        connections = f"sum {BY} ({owned(f'pg_stat_activity_count{{{sel}}}')})"
        return [
            self.rule(c.PG_UP, f"min {BY} ({owned(f'pg_up{{{sel}}}')})"),
            self.rule(c.PG_CONNECTIONS, connections),
            self.rule(c.PG_CONNECTIONS_RATIO, f"{connections} / max {BY} ({owned(f'pg_settings_max_connections{{{sel}}}')} > 0)"),
            self.rule(c.PG_DEADLOCKS_RATE, f"sum {BY} ({self._rate(f'pg_stat_database_deadlocks{{{sel}}}')})"),
            self.rule(c.PG_TX_DURATION_MAX, f"max {BY} ({owned(f'pg_stat_activity_max_tx_duration{{{sel}}}')})"),
            self.rule(c.PG_REPLICATION_LAG, f"max {BY} ({owned(f'pg_replication_lag_seconds{{{sel}}}')})"),
        ]

    def redis(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "redis"))
        hits = f"sum {BY} ({self._rate(f'redis_keyspace_hits_total{{{sel}}}')})"
        misses = f"sum {BY} ({self._rate(f'redis_keyspace_misses_total{{{sel}}}')})"

        def usage(used: str, limit: str) -> str:
            return f"max {BY} ({owned(f'{used}{{{sel}}}')} / ({owned(f'{limit}{{{sel}}}')} > 0))"

        return [
            self.rule(c.REDIS_UP, f"min {BY} ({owned(f'redis_up{{{sel}}}')})"),
            self.rule(c.REDIS_MEMORY_RATIO, usage("redis_memory_used_bytes", "redis_memory_max_bytes")),
            self.rule(c.REDIS_CLIENTS_RATIO, usage("redis_connected_clients", "redis_config_maxclients")),
            self.rule(c.REDIS_HIT_RATIO, f"{hits} / ({hits} + {misses})"),
            self.rule(c.REDIS_EVICTIONS_RATE, f"sum {BY} ({self._rate(f'redis_evicted_keys_total{{{sel}}}')})"),
            self.rule(c.REDIS_REJECTED_RATE, f"sum {BY} ({self._rate(f'redis_rejected_connections_total{{{sel}}}')})"),
        ]

    def kafka(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "kafka"))
        return [
            self.rule(c.KAFKA_BROKERS, f"max {BY} ({owned(f'kafka_brokers{{{sel}}}')})"),
            self.rule(c.KAFKA_CONSUMER_LAG,
                      f"sum by (tenant, service, consumergroup, topic) ({owned(f'kafka_consumergroup_lag{{{sel}}}')})"),
        ]

    def worker(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "worker"))
        jobs = f"sum {BY} ({self._rate(f'worker_jobs_total{{{sel}}}')})"
        return [
            self.rule(c.QUEUE_DEPTH, f"sum by (tenant, service, queue) ({owned(f'queue_depth{{{sel}}}')})"),
            self.rule(c.WORKER_JOBS_RATE, jobs),
            self.rule(c.WORKER_FAILURE_RATIO, self.failure_ratio(sel, self.t.w(300))),
        ]

    def failure_ratio(self, sel: str, window: str) -> str:
        """Failed jobs / all jobs over `window`, per tenant and service."""
        failures = 'worker_jobs_total{%s, outcome="failure"}' % sel
        return f"sum {BY} ({self._rate(failures, window)}) / sum {BY} ({self._rate(f'worker_jobs_total{{{sel}}}', window)})"

    def model(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "model"))
        by_model = "by (tenant, service, model)"
        return [
            self.rule(c.MODEL_ACCURACY, f"min {by_model} ({owned(f'model_accuracy{{{sel}}}')})"),
            self.rule(c.MODEL_DRIFT, f"max {by_model} ({owned(f'model_drift_score{{{sel}}}')})"),
            self.rule(c.MODEL_PREDICTION_RATE, f"sum {by_model} ({self._rate(f'model_predictions_total{{{sel}}}')})"),
            self.rule(c.MODEL_LATENCY_P95, "histogram_quantile(0.95, sum by (tenant, service, model, le) "
                                           f"({self._rate(f'model_prediction_duration_seconds_bucket{{{sel}}}')}))"),
        ]

    def tenant_wide(self) -> list[dict]:
        """Security and business signals: tenant-level (no single service at fault). These
        come from applications that label the tenant, so tenant-less series are ignored."""
        w5, w30 = self.t.w(300), self.t.w(1800)
        sessions = f'sum by (tenant) (rate(business_sessions_total{{tenant!=""}}[{w30}]))'
        return [
            self.rule(c.AUTH_FAILURE_RATE, f'sum by (tenant) (rate(auth_attempts_total{{tenant!="", outcome="failure"}}[{w5}]))'),
            self.rule(c.SECURITY_EVENTS, f'sum by (tenant, kind) (increase(security_events_total{{tenant!=""}}[{w5}]))'),
            self.rule(c.BUSINESS_SESSION_RATE, sessions),
            self.rule(c.BUSINESS_CONVERSION_RATIO, f'sum by (tenant) (rate(business_conversions_total{{tenant!=""}}[{w30}])) / {sessions}'),
            self.rule(c.TENANT_COST_RATE, f'sum by (tenant) (rate(tenant_cost_eur_total{{tenant!=""}}[{self.t.w(3600)}]))'),
        ]

    def by_kind(self) -> dict[str, list[dict]]:
        """{group name: rules} of the service kinds the spec has."""
        kinds = {s.kind for s in self.spec.services.values()}
        return {kind: getattr(self, kind)() for kind in KINDS if kind in kinds}
