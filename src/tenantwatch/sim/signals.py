"""What a service exposes at one moment: counter rates and gauges.

A service has two parts. Its deployment (the exporter's series and its pods') belongs to one
tenant for a per-tenant service and to nobody for a shared one (no `tenant` label). Its
application series (requests, jobs, predictions) carry the tenant either way: the
application labels them. Healthy levels are derived from the objectives (well inside them),
and each fault moves the signals the matching rules read well past them, so a healthy tenant
never alerts and a faulty one always does, whatever the spec's numbers.
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
    """One (tenant, service) at one instant, or a shared service's deployment (tenant None):
    the context every kind's signals are built from."""

    tenant: str | None  # None: the shared deployment, whose series carry no tenant
    service: str
    spec_service: Service
    objectives: Objectives
    rps: float  # requests per second now (daily pattern and noise applied)
    faults: dict[str, float]  # active fault kind -> seconds since it started
    home: bool = False  # the service that carries the tenant-level (security, business) series
    tenants: tuple[str, ...] = ()  # whose data the deployment holds (a database per tenant)
    dependents: tuple[str, ...] = ()  # services that depend on it directly (a queue's consumers)
    dependency_down: bool = False  # a service it depends on (transitively) is down

    def labels(self, **extra: str) -> Labels:
        own = {"service": self.service, **extra}
        if self.tenant is not None:
            own["tenant"] = self.tenant
        return tuple(sorted(own.items()))

    def has(self, kind: str) -> bool:
        return kind in self.faults

    @property
    def namespace(self) -> str:
        return namespace_of(self.tenant) if self.tenant is not None else self.spec_service.namespace

    @property
    def workload(self) -> str:
        return self.spec_service.workload(self.service)


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
    errors = 0.3 if m.has("error_burst") or m.dependency_down else _healthy_error_ratio(o)
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
    out.gauges[("pg_up", m.labels())] = 1.0
    out.gauges[("pg_settings_max_connections", m.labels())] = max_connections
    out.gauges[("pg_replication_lag_seconds", m.labels())] = 0.02 * o.replication_lag
    per_database = used / max(1, len(m.tenants))
    for datname in m.tenants:  # one database per tenant, named after it
        for state, share in (("active", 0.4), ("idle", 0.6)):
            out.gauges[("pg_stat_activity_count", m.labels(datname=datname, state=state))] = round(per_database * share)
            out.gauges[("pg_stat_activity_max_tx_duration", m.labels(datname=datname, state=state))] = 0.02 * o.long_transaction
        out.rates[("pg_stat_database_deadlocks", m.labels(datname=datname))] = 0.0


def _redis(m: Moment, out: Signals) -> None:
    o = m.objectives
    max_bytes, max_clients = 4 * GIB, 10000.0
    exhausted = m.has("connection_exhaustion")
    clients = 0.97 if exhausted else 0.3 * o.redis_clients_usage
    out.gauges[("redis_up", m.labels())] = 1.0
    out.gauges[("redis_memory_max_bytes", m.labels())] = max_bytes
    out.gauges[("redis_memory_used_bytes", m.labels())] = round(0.4 * o.redis_memory_usage * max_bytes)
    out.gauges[("redis_config_maxclients", m.labels())] = max_clients
    out.gauges[("redis_connected_clients", m.labels())] = round(clients * max_clients)
    out.rates[("redis_keyspace_hits_total", m.labels())] = m.rps * 2 * 0.95
    out.rates[("redis_keyspace_misses_total", m.labels())] = m.rps * 2 * 0.05
    out.rates[("redis_evicted_keys_total", m.labels())] = 0.0
    out.rates[("redis_rejected_connections_total", m.labels())] = 2.0 if exhausted else 0.0


def _kafka(m: Moment, out: Signals) -> None:
    """kafka_exporter's view: brokers, each partition's newest offset, each consumer group's lag
    (the services that depend on the queue consume it)."""
    partitions = ("0", "1", "2")
    out.gauges[("kafka_brokers", m.labels())] = 3.0
    lag = round(0.01 * m.objectives.consumer_lag / len(partitions))
    for partition in partitions:
        where = {"topic": m.service, "partition": partition}
        out.rates[("kafka_topic_partition_current_offset", m.labels(**where))] = m.rps / len(partitions)
        for group in m.dependents or (f"{m.service}-consumer",):
            out.gauges[("kafka_consumergroup_lag", m.labels(consumergroup=group, **where))] = lag


def _worker(m: Moment, out: Signals) -> None:
    o = m.objectives
    jobs = m.rps / 10
    failing = 0.5 if m.has("error_burst") or m.dependency_down else 0.1 * o.job_failure_rate
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
    pod = {"namespace": m.namespace, "pod": f"{m.workload}-0", "container": m.workload}
    cpu_limit, memory_limit, capacity = 2.0, 2 * GIB, 100 * GIB
    out.gauges[("kube_pod_container_resource_limits", m.labels(resource="cpu", **pod))] = cpu_limit
    out.gauges[("kube_pod_container_resource_limits", m.labels(resource="memory", **pod))] = memory_limit
    out.rates[("container_cpu_usage_seconds_total", m.labels(**pod))] = 0.4 * o.cpu_saturation * cpu_limit
    out.gauges[("container_memory_working_set_bytes", m.labels(**pod))] = round(0.4 * o.memory_saturation * memory_limit)
    out.rates[("kube_pod_container_status_restarts_total", m.labels(**pod))] = 0.0
    volume = {"namespace": pod["namespace"], "persistentvolumeclaim": f"{m.workload}-data"}
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


# Kinds whose errors show a dead dependency (5xx responses, failed jobs); the others carry on.
CASCADE_KINDS = ("http", "worker")

# The deployment's own series (an exporter beside it) and the series its application labels
# with the tenant, by kind.
DEPLOYMENT_SIGNALS: dict[str, Callable[[Moment, Signals], None]] = {
    "postgres": _postgres, "redis": _redis, "kafka": _kafka,
}
APPLICATION_SIGNALS: dict[str, Callable[[Moment, Signals], None]] = {
    "http": _http, "worker": _worker, "model": _model,
}


def _deployment(m: Moment, out: Signals) -> None:
    if m.spec_service.kind in DEPLOYMENT_SIGNALS:
        DEPLOYMENT_SIGNALS[m.spec_service.kind](m, out)
    _container(m, out)


def _application(m: Moment, out: Signals) -> None:
    if m.spec_service.kind in APPLICATION_SIGNALS:
        APPLICATION_SIGNALS[m.spec_service.kind](m, out)
    if m.home:
        _tenant_level(m, out)


def signals_of(m: Moment) -> Signals:
    """Every series of one Moment; a dead service shows nothing but a per-tenant `up 0`.

    - a tenant's own instance: `up` (the simulator is one target for every tenant, so it
      says per tenant whether the instance answers), its deployment and application series;
    - a shared service's deployment (tenant None): its deployment series, no `up`:
      Prometheus's own `up` of the scrape target says whether it answers;
    - a tenant's share of a shared service: its application series.
    """
    out = Signals()
    down = m.has("service_down")
    if m.tenant is not None and not m.spec_service.shared:
        out.gauges[("up", m.labels())] = 0.0 if down else 1.0
    if down:
        return out
    if m.tenant is None or not m.spec_service.shared:
        _deployment(m, out)
    if m.tenant is not None:
        _application(m, out)
    return out


# Every family the simulator exposes: its type and help text, as the exporter that really
# produces it declares them.
METRICS: dict[str, tuple[str, str]] = {
    "up": ("gauge", "Whether the tenant's instance of the service answers (1) or not (0)."),
    "http_requests_total": ("counter", "HTTP requests served, by handler, method and status code."),
    "http_request_duration_seconds": ("histogram", "HTTP request latency in seconds."),
    "pg_up": ("gauge", "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no)."),
    "pg_settings_max_connections": ("gauge", "Sets the maximum number of concurrent connections."),
    "pg_stat_activity_count": ("gauge", "number of connections in this state"),
    "pg_stat_activity_max_tx_duration": ("gauge", "max duration in seconds any active transaction has been running"),
    "pg_stat_database_deadlocks": ("counter", "Number of deadlocks detected in this database"),
    "pg_replication_lag_seconds": ("gauge", "Replication lag behind master in seconds"),
    "redis_up": ("gauge", "Information about the Redis instance"),
    "redis_memory_max_bytes": ("gauge", "memory_max_bytes metric"),
    "redis_memory_used_bytes": ("gauge", "memory_used_bytes metric"),
    "redis_config_maxclients": ("gauge", "config_maxclients metric"),
    "redis_connected_clients": ("gauge", "connected_clients metric"),
    "redis_keyspace_hits_total": ("counter", "keyspace_hits_total metric"),
    "redis_keyspace_misses_total": ("counter", "keyspace_misses_total metric"),
    "redis_evicted_keys_total": ("counter", "evicted_keys_total metric"),
    "redis_rejected_connections_total": ("counter", "rejected_connections_total metric"),
    "kafka_brokers": ("gauge", "Number of Brokers in the Kafka Cluster."),
    "kafka_topic_partition_current_offset": ("gauge", "Current Offset of a Broker at Topic/Partition"),
    "kafka_consumergroup_lag": ("gauge", "Current Approximate Lag of a ConsumerGroup at Topic/Partition"),
    "queue_depth": ("gauge", "Jobs waiting in the queue."),
    "worker_jobs_total": ("counter", "Jobs the worker finished, by outcome."),
    "model_accuracy": ("gauge", "Accuracy of the model on recent labelled predictions (0..1)."),
    "model_drift_score": ("gauge", "Population stability index of a feature against the training data."),
    "model_training_duration_seconds": ("gauge", "Duration of the last training run in seconds."),
    "model_predictions_total": ("counter", "Predictions served."),
    "model_prediction_duration_seconds": ("histogram", "Prediction latency in seconds."),
    "kube_pod_container_resource_limits": ("gauge", "The number of requested limit resource by a container."),
    "container_cpu_usage_seconds_total": ("counter", "Cumulative cpu time consumed in seconds."),
    "container_memory_working_set_bytes": ("gauge", "Current working set in bytes."),
    "kube_pod_container_status_restarts_total": ("counter", "The number of container restarts per container."),
    "kubelet_volume_stats_capacity_bytes": ("gauge", "Capacity in bytes of the volume"),
    "kubelet_volume_stats_available_bytes": ("gauge", "Number of available bytes in the volume"),
    "container_network_receive_bytes_total": ("counter", "Cumulative count of bytes received"),
    "container_network_transmit_bytes_total": ("counter", "Cumulative count of bytes transmitted"),
    "container_network_receive_packets_dropped_total": ("counter", "Cumulative count of packets dropped while receiving"),
    "auth_attempts_total": ("counter", "Login attempts, by outcome."),
    "security_events_total": ("counter", "Security events detected, by kind."),
    "business_sessions_total": ("counter", "User sessions started."),
    "business_conversions_total": ("counter", "Sessions that converted, by funnel."),
    "tenant_cost_eur_total": ("counter", "Infrastructure cost attributed to the tenant, in euros."),
}
