"""Recording rules per service kind over CONTRACT.md §2 inputs, aggregated by (tenant, service).

Alerts, anomaly bands and dashboards read these names (conventions.py), never raw inputs,
so each expensive aggregation is computed once per evaluation.
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.timing import Timing
from tenantwatch.render.prometheus.windows import all_windows
from tenantwatch.spec import Spec

BY = "by (tenant, service)"
SERVICE_FROM_CONTAINER = '"service", "$1", "container", "(.+)"'
LATENCY_OBJECTIVE = "latency_p95"


def services_of(spec: Spec, kind: str) -> list[str]:
    return [name for name, s in spec.services.items() if s.kind == kind]


def matcher(services: list[str]) -> str:
    return f'service=~"{"|".join(services)}"'


class Recorder:
    """Builds the rules of one spec: names carry the spec's metrics prefix."""

    def __init__(self, spec: Spec, timing: Timing) -> None:
        self.spec, self.t = spec, timing
        self.prefix = spec.tenant_isolation.metrics_prefix

    def name(self, suffix: str) -> str:
        return c.recorded(self.prefix, suffix)

    def _rule(self, suffix: str, expr: str) -> dict:
        return {"record": self.name(suffix), "expr": expr}

    def http(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "http"))
        w5 = self.t.w(300)
        return [
            self._rule(c.HTTP_REQUEST_RATE, f"sum {BY} (rate(http_requests_total{{{sel}}}[{w5}]))"),
            self._rule(c.HTTP_LATENCY_P95, f"histogram_quantile(0.95, sum by (tenant, service, le) (rate(http_request_duration_seconds_bucket{{{sel}}}[{w5}])))"),
            self._rule(c.HTTP_LATENCY_MEAN, f"sum {BY} (rate(http_request_duration_seconds_sum{{{sel}}}[{w5}])) / sum {BY} (rate(http_request_duration_seconds_count{{{sel}}}[{w5}]))"),
            self._rule(c.http_error_ratio(w5), self._error_ratio(sel, w5)),
        ]

    def _error_ratio(self, sel: str, w: str) -> str:
        errors = f'sum {BY} (rate(http_requests_total{{{sel}, code=~"5.."}}[{w}]))'
        return f"{errors} / sum {BY} (rate(http_requests_total{{{sel}}}[{w}]))"

    def slo_ratios(self) -> list[dict]:
        """Error and slow-request ratios over every burn-rate window (kept in their own file:
        the long windows are the costliest rules, and only SLO alerts read them)."""
        if not services_of(self.spec, "http"):
            return []
        sel = matcher(services_of(self.spec, "http"))
        w5 = self.t.w(300)
        windows = dict.fromkeys([w5, *all_windows(self.spec.slo_period, self.t)])
        rules = [self._rule(c.http_error_ratio(w), self._error_ratio(sel, w)) for w in windows if w != w5]
        return rules + [self._rule(c.http_slow_ratio(w), self._slow_ratio(sel, w)) for w in windows]

    def _slow_ratio(self, sel: str, w: str) -> str:
        """1 - (requests within the tenant's latency objective bucket) / all requests.

        Override tenants match their own `le` series; every other tenant the default one.
        """
        buckets = f"rate(http_request_duration_seconds_bucket{{{sel}}}[{w}])"
        own = c.objective_le(LATENCY_OBJECTIVE)
        default = c.objective_le_default(LATENCY_OBJECTIVE)
        fast = (
            f"sum {BY} ({buckets} and on(tenant, service, le) {own}"
            f" or ({buckets} unless on(tenant) {own}) and on(service, le) {default})"
        )
        return f"1 - ({fast} / sum {BY} (rate(http_request_duration_seconds_count{{{sel}}}[{w}])))"

    def containers(self) -> list[dict]:
        w5 = self.t.w(300)
        ids = "tenant, namespace, pod, container"
        real = 'container!="", container!="POD"'
        cpu = f"sum by ({ids}) (rate(container_cpu_usage_seconds_total{{{real}}}[{w5}]))"
        memory = f"sum by ({ids}) (container_memory_working_set_bytes{{{real}}})"

        def limit_ratio(usage: str, resource: str) -> str:
            limit = f'sum by ({ids}) (kube_pod_container_resource_limits{{resource="{resource}"}})'
            return f"max {BY} (label_replace({usage} / on({ids}) ({limit} > 0), {SERVICE_FROM_CONTAINER}))"

        def per_service(expr: str) -> str:
            return f"sum {BY} (label_replace({expr}, {SERVICE_FROM_CONTAINER}))"

        restarts = f"increase(kube_pod_container_status_restarts_total[{self.t.w(3600)}])"
        volume = "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes"
        return [
            self._rule(c.CONTAINER_CPU_RATE, per_service(cpu)),
            self._rule(c.CONTAINER_CPU_LIMIT_RATIO, limit_ratio(cpu, "cpu")),
            self._rule(c.CONTAINER_MEMORY_BYTES, per_service(memory)),
            self._rule(c.CONTAINER_MEMORY_LIMIT_RATIO, limit_ratio(memory, "memory")),
            self._rule(c.CONTAINER_RESTARTS, per_service(f"sum by ({ids}) ({restarts})")),
            self._rule(c.VOLUME_USAGE_RATIO, f"max by (tenant, persistentvolumeclaim) (1 - {volume})"),
            self._rule(c.NETWORK_DROPS_RATE, f"sum by (tenant) (rate(container_network_receive_packets_dropped_total[{w5}]))"),
            self._rule(c.NETWORK_RECEIVE_RATE, f"sum by (tenant) (rate(container_network_receive_bytes_total[{w5}]))"),
            self._rule(c.NETWORK_TRANSMIT_RATE, f"sum by (tenant) (rate(container_network_transmit_bytes_total[{w5}]))"),
        ]

    def postgres(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "postgres"))
        return [
            self._rule(c.PG_CONNECTIONS, f"sum {BY} (pg_stat_activity_count{{{sel}}})"),
            self._rule(c.PG_CONNECTIONS_RATIO, f"sum {BY} (pg_stat_activity_count{{{sel}}}) / max {BY} (pg_settings_max_connections{{{sel}}} > 0)"),
            self._rule(c.PG_DEADLOCKS_RATE, f"sum {BY} (rate(pg_stat_database_deadlocks{{{sel}}}[{self.t.w(300)}]))"),
            self._rule(c.PG_TX_DURATION_MAX, f"max {BY} (pg_stat_activity_max_tx_duration{{{sel}}})"),
        ]

    def redis(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "redis"))
        w5 = self.t.w(300)
        hits = f"sum {BY} (rate(redis_keyspace_hits_total{{{sel}}}[{w5}]))"
        misses = f"sum {BY} (rate(redis_keyspace_misses_total{{{sel}}}[{w5}]))"
        return [
            self._rule(c.REDIS_MEMORY_RATIO, f"max {BY} (redis_memory_used_bytes{{{sel}}} / (redis_memory_max_bytes{{{sel}}} > 0))"),
            self._rule(c.REDIS_CLIENTS_RATIO, f"max {BY} (redis_connected_clients{{{sel}}} / (redis_config_maxclients{{{sel}}} > 0))"),
            self._rule(c.REDIS_HIT_RATIO, f"{hits} / ({hits} + {misses})"),
        ]

    def worker(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "worker"))
        w5 = self.t.w(300)
        jobs = f"sum {BY} (rate(worker_jobs_total{{{sel}}}[{w5}]))"
        return [
            self._rule(c.QUEUE_DEPTH, f"sum by (tenant, service, queue) (queue_depth{{{sel}}})"),
            self._rule(c.WORKER_JOBS_RATE, jobs),
            self._rule(c.WORKER_FAILURE_RATIO, f'sum {BY} (rate(worker_jobs_total{{{sel}, outcome="failure"}}[{w5}])) / {jobs}'),
        ]

    def model(self) -> list[dict]:
        sel = matcher(services_of(self.spec, "model"))
        w5 = self.t.w(300)
        by_model = "by (tenant, service, model)"
        return [
            self._rule(c.MODEL_ACCURACY, f"min {by_model} (model_accuracy{{{sel}}})"),
            self._rule(c.MODEL_DRIFT, f"max {by_model} (model_drift_score{{{sel}}})"),
            self._rule(c.MODEL_PREDICTION_RATE, f"sum {by_model} (rate(model_predictions_total{{{sel}}}[{w5}]))"),
            self._rule(c.MODEL_LATENCY_P95, f"histogram_quantile(0.95, sum by (tenant, service, model, le) (rate(model_prediction_duration_seconds_bucket{{{sel}}}[{w5}])))"),
        ]

    def tenant_wide(self) -> list[dict]:
        """Security and business signals: tenant-level (no single service at fault)."""
        w5, w30 = self.t.w(300), self.t.w(1800)
        sessions = f"sum by (tenant) (rate(business_sessions_total[{w30}]))"
        return [
            self._rule(c.AUTH_FAILURE_RATE, f'sum by (tenant) (rate(auth_attempts_total{{outcome="failure"}}[{w5}]))'),
            self._rule(c.SECURITY_EVENTS, f"sum by (tenant, kind) (increase(security_events_total[{w5}]))"),
            self._rule(c.BUSINESS_SESSION_RATE, sessions),
            self._rule(c.BUSINESS_CONVERSION_RATIO, f"sum by (tenant) (rate(business_conversions_total[{w30}])) / {sessions}"),
            self._rule(c.TENANT_COST_RATE, f"sum by (tenant) (rate(tenant_cost_eur_total[{self.t.w(3600)}]))"),
        ]

    def by_kind(self) -> dict[str, list[dict]]:
        """{group name: rules}; kinds without a service in the spec are left out."""
        kinds = {s.kind for s in self.spec.services.values()}
        groups = {kind: getattr(self, kind)() for kind in ("http", "postgres", "redis", "worker", "model") if kind in kinds}
        groups["containers"] = self.containers()
        groups["tenant"] = self.tenant_wide()
        return groups
