"""What each service kind of a tenant exposes at one moment: counter rates and gauges.

Healthy levels are derived from the tenant's own objectives (well inside them), and each
fault moves the signals the matching rules read well past them, so a healthy tenant never
alerts and a faulty one always does, whatever the spec's numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from tenantwatch.conventions import namespace_of
from tenantwatch.spec.models import Objectives, Service

Labels = tuple[tuple[str, str], ...]
Key = tuple[str, Labels]
LATENCY_SIGMA = 0.35  # log-normal spread: p95 is 1.78x the median
_Z95 = 1.645
FILL_SECONDS = 120.0  # a filling volume goes from healthy to nearly full in two minutes
GIB = 1024.0**3


@dataclass
class Signals:
    """Per-second increments of counters, and gauge values, keyed by (metric, labels)."""

    rates: dict[Key, float] = field(default_factory=dict)
    gauges: dict[Key, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Moment:
    """One (tenant, service) at one instant: the context every kind's signals are built from."""

    tenant: str
    service: str
    spec_service: Service
    objectives: Objectives
    rps: float  # requests per second now (daily pattern and noise applied)
    faults: dict[str, float]  # active fault kind -> seconds since it started
    home: bool  # the service that carries the tenant-level (security, business) series

    def labels(self, **extra: str) -> Labels:
        return tuple(sorted({"tenant": self.tenant, "service": self.service, **extra}.items()))

    def has(self, kind: str) -> bool:
        return kind in self.faults


def _lognormal_cdf(x: float, median: float) -> float:
    if x <= 0:
        return 0.0
    return 0.5 * (1 + math.erf(math.log(x / median) / (LATENCY_SIGMA * math.sqrt(2))))


def _histogram(out: Signals, name: str, labels: Callable[..., Labels], buckets: tuple[float, ...],
               per_second: float, p95: float) -> None:
    """Observations whose 95th percentile is `p95`, spread over the buckets (cumulative)."""
    median = p95 / math.exp(_Z95 * LATENCY_SIGMA)
    for edge in buckets:
        out.rates[(f"{name}_bucket", labels(le=f"{edge:g}"))] = per_second * _lognormal_cdf(edge, median)
    out.rates[(f"{name}_bucket", labels(le="+Inf"))] = per_second
    out.rates[(f"{name}_sum", labels())] = per_second * median * math.exp(LATENCY_SIGMA**2 / 2)
    out.rates[(f"{name}_count", labels())] = per_second


def _healthy_error_ratio(o: Objectives) -> float:
    return 0.05 * min(o.error_rate, 1 - o.availability)


def _http(m: Moment, out: Signals) -> None:
    o = m.objectives
    errors = 0.3 if m.has("error_burst") else _healthy_error_ratio(o)
    p95 = (4.0 if m.has("latency_spike") else 0.4) * o.latency_p95
    handlers = (("/api/v1/items", "GET", 0.8), ("/api/v1/orders", "POST", 0.2))
    for handler, method, share in handlers:
        rps = m.rps * share
        for code, ratio in (("200", 1 - errors), ("500", errors * 0.4), ("503", errors * 0.6)):
            out.rates[("http_requests_total", m.labels(handler=handler, method=method, code=code))] = rps * ratio
        _histogram(out, "http_request_duration_seconds", lambda **kw: m.labels(handler=handler, **kw),
                   m.spec_service.latency_buckets, rps, p95)


def _postgres(m: Moment, out: Signals) -> None:
    o = m.objectives
    max_connections = 200.0
    used = (0.97 if m.has("connection_exhaustion") else 0.3 * o.connection_usage) * max_connections
    out.gauges[("pg_settings_max_connections", m.labels())] = max_connections
    for state, share in (("active", 0.4), ("idle", 0.6)):
        out.gauges[("pg_stat_activity_count", m.labels(datname=m.tenant, state=state))] = round(used * share)
        out.gauges[("pg_stat_activity_max_tx_duration", m.labels(datname=m.tenant, state=state))] = 0.02 * o.long_transaction
    out.rates[("pg_stat_database_deadlocks", m.labels(datname=m.tenant))] = 0.0


def _redis(m: Moment, out: Signals) -> None:
    o = m.objectives
    max_bytes, max_clients = 4 * GIB, 10000.0
    clients = 0.97 if m.has("connection_exhaustion") else 0.3 * o.redis_clients_usage
    out.gauges[("redis_memory_max_bytes", m.labels())] = max_bytes
    out.gauges[("redis_memory_used_bytes", m.labels())] = round(0.4 * o.redis_memory_usage * max_bytes)
    out.gauges[("redis_config_maxclients", m.labels())] = max_clients
    out.gauges[("redis_connected_clients", m.labels())] = round(clients * max_clients)
    out.rates[("redis_keyspace_hits_total", m.labels())] = m.rps * 2 * 0.95
    out.rates[("redis_keyspace_misses_total", m.labels())] = m.rps * 2 * 0.05


def _worker(m: Moment, out: Signals) -> None:
    o = m.objectives
    jobs = m.rps / 10
    failing = 0.5 if m.has("error_burst") else 0.1 * o.job_failure_rate
    out.gauges[("queue_depth", m.labels(queue="default"))] = round(0.02 * o.queue_backlog + jobs)
    out.rates[("worker_jobs_total", m.labels(queue="default", outcome="success"))] = jobs * (1 - failing)
    out.rates[("worker_jobs_total", m.labels(queue="default", outcome="failure"))] = jobs * failing


def _model(m: Moment, out: Signals) -> None:
    o = m.objectives
    dropped = m.has("accuracy_drop")
    model = m.service
    accuracy = 0.8 * o.model_accuracy if dropped else o.model_accuracy + 0.6 * (1 - o.model_accuracy)
    out.gauges[("model_accuracy", m.labels(model=model))] = accuracy
    out.gauges[("model_drift_score", m.labels(model=model, feature="all"))] = (3.0 if dropped else 0.3) * o.drift_score
    out.gauges[("model_training_duration_seconds", m.labels(model=model))] = 1800.0
    predictions = m.rps / 2
    out.rates[("model_predictions_total", m.labels(model=model))] = predictions
    p95 = (4.0 if m.has("latency_spike") else 0.4) * o.latency_p95
    _histogram(out, "model_prediction_duration_seconds", lambda **kw: m.labels(model=model, **kw),
               m.spec_service.latency_buckets, predictions, p95)


def _container(m: Moment, out: Signals) -> None:
    """cAdvisor / kube-state-metrics / kubelet series of the service's pod and volume."""
    o = m.objectives
    pod = {"namespace": namespace_of(m.tenant), "pod": f"{m.service}-0", "container": m.service}
    cpu_limit, memory_limit, capacity = 2.0, 2 * GIB, 100 * GIB
    out.gauges[("kube_pod_container_resource_limits", m.labels(resource="cpu", **pod))] = cpu_limit
    out.gauges[("kube_pod_container_resource_limits", m.labels(resource="memory", **pod))] = memory_limit
    out.rates[("container_cpu_usage_seconds_total", m.labels(**pod))] = 0.4 * o.cpu_saturation * cpu_limit
    out.gauges[("container_memory_working_set_bytes", m.labels(**pod))] = round(0.4 * o.memory_saturation * memory_limit)
    out.rates[("kube_pod_container_status_restarts_total", m.labels(**pod))] = 0.0
    volume = {"namespace": pod["namespace"], "persistentvolumeclaim": f"{m.service}-data"}
    used = 0.5 * o.volume_usage
    if m.has("filling_volume"):
        used += (0.99 - used) * min(1.0, m.faults["filling_volume"] / FILL_SECONDS)
    out.gauges[("kubelet_volume_stats_capacity_bytes", m.labels(**volume))] = capacity
    out.gauges[("kubelet_volume_stats_available_bytes", m.labels(**volume))] = round((1 - used) * capacity)
    net = {"namespace": pod["namespace"], "pod": pod["pod"], "interface": "eth0"}
    out.rates[("container_network_receive_bytes_total", m.labels(**net))] = m.rps * 2048
    out.rates[("container_network_transmit_bytes_total", m.labels(**net))] = m.rps * 8192
    out.rates[("container_network_receive_packets_dropped_total", m.labels(**net))] = 0.0


def _tenant_level(m: Moment, out: Signals) -> None:
    """Security and business series of the tenant as a whole (on its `home` service)."""
    o = m.objectives
    failures_per_minute = (5.0 if m.has("brute_force") else 0.05) * o.auth_failures_per_minute
    out.rates[("auth_attempts_total", m.labels(outcome="success"))] = m.rps / 20
    out.rates[("auth_attempts_total", m.labels(outcome="failure"))] = failures_per_minute / 60
    for kind in ("intrusion", "threat_intel_match", "privilege_escalation", "data_export"):
        rate = 0.5 if (m.has("brute_force") and kind == "intrusion") else 0.0
        out.rates[("security_events_total", m.labels(kind=kind))] = rate
    sessions = m.rps / 10
    out.rates[("business_sessions_total", m.labels())] = sessions
    out.rates[("business_conversions_total", m.labels(funnel="checkout"))] = sessions * 0.05
    cost = o.cost_per_request_eur * 0.5 if o.cost_per_request_eur else 0.0001
    out.rates[("tenant_cost_eur_total", m.labels())] = m.rps * cost


KIND_SIGNALS: dict[str, Callable[[Moment, Signals], None]] = {
    "http": _http, "postgres": _postgres, "redis": _redis, "worker": _worker, "model": _model,
}


def signals_of(m: Moment) -> Signals:
    """Every series of one tenant's service (`up` included); a down service shows only `up 0`."""
    out = Signals()
    down = m.has("service_down")
    out.gauges[("up", m.labels())] = 0.0 if down else 1.0
    if down:
        return out
    KIND_SIGNALS[m.spec_service.kind](m, out)
    _container(m, out)
    if m.home:
        _tenant_level(m, out)
    return out


METRIC_TYPES: dict[str, str] = {
    "up": "gauge", "http_requests_total": "counter", "http_request_duration_seconds": "histogram",
    "pg_settings_max_connections": "gauge", "pg_stat_activity_count": "gauge",
    "pg_stat_activity_max_tx_duration": "gauge", "pg_stat_database_deadlocks": "counter",
    "redis_memory_max_bytes": "gauge", "redis_memory_used_bytes": "gauge", "redis_config_maxclients": "gauge",
    "redis_connected_clients": "gauge", "redis_keyspace_hits_total": "counter",
    "redis_keyspace_misses_total": "counter", "queue_depth": "gauge", "worker_jobs_total": "counter",
    "model_accuracy": "gauge", "model_drift_score": "gauge", "model_training_duration_seconds": "gauge",
    "model_predictions_total": "counter", "model_prediction_duration_seconds": "histogram",
    "kube_pod_container_resource_limits": "gauge", "container_cpu_usage_seconds_total": "counter",
    "container_memory_working_set_bytes": "gauge", "kube_pod_container_status_restarts_total": "counter",
    "kubelet_volume_stats_capacity_bytes": "gauge", "kubelet_volume_stats_available_bytes": "gauge",
    "container_network_receive_bytes_total": "counter", "container_network_transmit_bytes_total": "counter",
    "container_network_receive_packets_dropped_total": "counter", "auth_attempts_total": "counter",
    "security_events_total": "counter", "business_sessions_total": "counter",
    "business_conversions_total": "counter", "tenant_cost_eur_total": "counter",
}
