"""Every generated metric, rule, label and alert name, in one place.

Renderers, dashboards, the engine and tests read names from here; nothing else invents one.
Recording rules follow Prometheus' level:metric:operations convention, the level being
`<metrics_prefix>service` (aggregated by tenant and service) or `<metrics_prefix>tenant`.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

# Labels (docs/metrics-and-alerts.md, "Labels and annotations")
TENANT = "tenant"
SERVICE = "service"
SEVERITY = "severity"
CATEGORY = "category"
TIER = "tier"
SCOPE = "scope"
SCOPE_TENANT = "tenant"  # the alert is about one tenant
SCOPE_SHARED = "shared"  # the alert is about shared infrastructure (tenant="platform")
PLATFORM_TENANT = "platform"
Severity = Literal["critical", "warning", "info"]  # most severe first
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
CATEGORIES = (
    "slo", "saturation", "errors", "latency", "availability", "predictive", "anomaly",
    "database", "ml", "security", "business",
)
WATCHDOG = "Watchdog"

# Escalation levels, in the order they escalate (the spec's `escalation[].level`)
Level = Literal["L1", "L2", "L3", "L4"]
ESCALATION_LEVELS: tuple[Level, ...] = get_args(Level)

# Per-tenant objectives as series: a tenant's effective value where it differs from the
# default (its own override, else its tier's), derived by recording rules from the tier
# table and the per-tenant info series; defaults carry no label.
OBJECTIVE = "tenantwatch:objective:{name}"
OBJECTIVE_DEFAULT = "tenantwatch:objective_default:{name}"
OBJECTIVE_TIER = "tenantwatch:objective_tier:{name}"  # labels: tier
OBJECTIVE_OVERRIDE = "tenantwatch:objective_override:{name}"  # labels: tenant (explicit overrides only)
TENANT_INFO = "tenantwatch:tenant:info"  # value 1; labels: tenant, tier (when it has one), scope
TENANT_PAGE = "tenantwatch:tenant:page"  # labels: tenant; 1/0 where a tenant sets `page` itself
TIER_PAGING_DISABLED = "tenantwatch:tier:paging_disabled"  # labels: tier; tiers with page: false
PAGING_DISABLED = "tenantwatch:tenant:paging_disabled"  # labels: tenant; derived

# Shared services (one outage = one page; docs/input-metrics.md): their series carry no tenant and are
# alerted as tenant="platform", scope="shared".
SERVICE_INFO = "tenantwatch:service:info"  # value 1; labels: service, kind, scope

# Namespaces and wiring
NAMESPACE_PREFIX = "tenant-"
DATASOURCE_UID = "tenantwatch-prometheus"
ENGINE_API_PREFIX = "/api/v1"  # every route of the engine's HTTP API but health and metrics
ENGINE_WEBHOOK_PATH = ENGINE_API_PREFIX + "/alertmanager"
ENGINE_RECEIVER = "tenantwatch-engine"


# Objectives of explicit spec entries: per route of an HTTP service, per custom SLO.
OBJECTIVE_ROUTE = "tenantwatch:objective_route:{name}"  # labels: service, handler
OBJECTIVE_LE_ROUTE = "tenantwatch:objective_le_route:latency_p95"  # labels: service, handler, le
OBJECTIVE_SLO = "tenantwatch:objective_slo:availability"  # labels: slo (a custom SLO's name)


def objective_route(name: str) -> str:
    return OBJECTIVE_ROUTE.format(name=name)


def objective(name: str) -> str:
    return OBJECTIVE.format(name=name)


def objective_default(name: str) -> str:
    return OBJECTIVE_DEFAULT.format(name=name)


def objective_tier(name: str) -> str:
    return OBJECTIVE_TIER.format(name=name)


def objective_override(name: str) -> str:
    return OBJECTIVE_OVERRIDE.format(name=name)


def service_level(prefix: str, metric: str, operation: str) -> str:
    """A recording rule aggregated by (tenant, service): `<prefix>service:<metric>:<operation>`."""
    return f"{prefix}service:{metric}:{operation}"


def tenant_level(prefix: str, metric: str, operation: str) -> str:
    """A recording rule aggregated by tenant only: `<prefix>tenant:<metric>:<operation>`."""
    return f"{prefix}tenant:{metric}:{operation}"


def namespace_of(tenant: str) -> str:
    return f"{NAMESPACE_PREFIX}{tenant}"

# The engine's own metrics (served on /metrics; the rendered self-alerts read them)
ENGINE_ALERTS_RECEIVED = "tenantwatch_alerts_received_total"  # labels: status (firing|resolved)
ENGINE_INTAKE_ERRORS = "tenantwatch_intake_errors_total"  # labels: reason
ENGINE_INTAKE_LAG = "tenantwatch_intake_processing_lag_seconds"  # histogram: 2xx -> alerts in incidents
ENGINE_INTAKE_BACKLOG = "tenantwatch_intake_backlog"  # webhook requests accepted, not yet processed
ENGINE_INCIDENTS_OPEN = "tenantwatch_incidents_open"  # labels: tenant, severity
ENGINE_NOTIFICATIONS = "tenantwatch_notifications_total"  # labels: channel, outcome (sent|failed)
ENGINE_NOTIFICATIONS_PENDING = "tenantwatch_notifications_pending"  # labels: channel; outbox backlog
ENGINE_NOTIFICATIONS_OLDEST_PENDING = "tenantwatch_notifications_oldest_pending_seconds"  # labels: channel
ENGINE_REMEDIATIONS = "tenantwatch_remediations_total"  # labels: action, outcome (ok|failed|dry_run|refused)
ENGINE_SCHEDULER_HEARTBEAT = "tenantwatch_scheduler_last_run_timestamp_seconds"
ENGINE_LEADER = "tenantwatch_engine_leader"  # 1 on the replica that processes and schedules
ENGINE_REQUEST_DURATION = "tenantwatch_http_request_duration_seconds"  # labels: route, method, code
ENGINE_JOB = "tenantwatch-engine"

# Scrape jobs of prometheus.yml beside one job per service (named after the service)
SCRAPE_JOB_CADVISOR = "kubernetes-cadvisor"
SCRAPE_JOB_KUBELET = "kubernetes-kubelet"
SCRAPE_JOB_KUBE_STATE_METRICS = "kube-state-metrics"
SCRAPE_JOB_NODE_EXPORTER = "node-exporter"
SCRAPE_JOB_PROMETHEUS = "prometheus"  # Prometheus scrapes itself (rule evaluation, notifications)
SCRAPE_JOB_ALERTMANAGER = "alertmanager"
METRICS_PORT_NAME = "metrics"  # the named port of a service's headless Service (DNS SRV discovery)

# Alertmanager (render/alertmanager.py); dependents are inhibited by ALERT_SERVICE_DOWN below.
NULL_RECEIVER = "null"  # receives the Watchdog (and severities no channel takes): notifies nobody

# Grafana (render/grafana/): dashboard uids, stable so links and provisioning survive re-renders
DASHBOARD_UIDS = {
    "overview": "tenantwatch-overview",
    "api": "tenantwatch-api",
    "infrastructure": "tenantwatch-infrastructure",
    "ml": "tenantwatch-ml",
    "security": "tenantwatch-security",
    "slo": "tenantwatch-slo",
}
DASHBOARD_ANNOTATION = "dashboard_url"  # beside runbook_url on every alert


def dashboard_url(grafana_url: str, board: str) -> str:
    """The Grafana page of one board, opened on the alert's tenant (a Go template)."""
    return f"{grafana_url.rstrip('/')}/d/{DASHBOARD_UIDS[board]}?var-tenant={{{{ $labels.tenant }}}}"

# --- Prometheus rules (render/prometheus) --------------------------------------------------
# Per-tenant latency objective as an `le`-labelled series per HTTP service, so the latency
# SLO joins bucket series on (tenant, service, le) without a rule per tenant.
OBJECTIVE_LE = "tenantwatch:objective_le:{name}"
OBJECTIVE_LE_DEFAULT = "tenantwatch:objective_le_default:{name}"


def objective_le(name: str) -> str:
    return OBJECTIVE_LE.format(name=name)


def objective_le_default(name: str) -> str:
    return OBJECTIVE_LE_DEFAULT.format(name=name)


def recorded(prefix: str, suffix: str) -> str:
    """Full recording-rule name from a suffix below (the level carries the metrics prefix)."""
    return f"{prefix}{suffix}"


# Recording-rule suffixes; the full name is `recorded(spec.tenant_isolation.metrics_prefix, X)`.
HTTP_REQUEST_RATE = service_level("", "http_requests", "rate5m")
HTTP_LATENCY_P95 = service_level("", "http_request_duration_seconds", "p95_rate5m")
HTTP_LATENCY_MEAN = service_level("", "http_request_duration_seconds", "mean_rate5m")
CONTAINER_CPU_RATE = service_level("", "container_cpu_usage_seconds", "rate5m")
CONTAINER_CPU_LIMIT_RATIO = service_level("", "container_cpu_usage", "max_ratio_limit")
CONTAINER_MEMORY_BYTES = service_level("", "container_memory_working_set_bytes", "sum")
CONTAINER_MEMORY_LIMIT_RATIO = service_level("", "container_memory_working_set", "max_ratio_limit")
CONTAINER_RESTARTS = service_level("", "container_restarts", "increase1h")
VOLUME_USAGE_RATIO = tenant_level("", "kubelet_volume_usage", "ratio")  # + persistentvolumeclaim
NETWORK_DROPS_RATE = tenant_level("", "container_network_receive_packets_dropped", "rate5m")
NETWORK_RECEIVE_RATE = tenant_level("", "container_network_receive_bytes", "rate5m")
NETWORK_TRANSMIT_RATE = tenant_level("", "container_network_transmit_bytes", "rate5m")
PG_CONNECTIONS = service_level("", "pg_stat_activity_count", "sum")
PG_CONNECTIONS_RATIO = service_level("", "pg_connections", "ratio_max")
PG_DEADLOCKS_RATE = service_level("", "pg_deadlocks", "rate5m")
PG_TX_DURATION_MAX = service_level("", "pg_stat_activity_max_tx_duration", "max")
REDIS_MEMORY_RATIO = service_level("", "redis_memory", "ratio_max")
REDIS_CLIENTS_RATIO = service_level("", "redis_clients", "ratio_max")
REDIS_HIT_RATIO = service_level("", "redis_keyspace_hits", "ratio_rate5m")
PG_UP = service_level("", "pg_up", "min")
PG_REPLICATION_LAG = service_level("", "pg_replication_lag_seconds", "max")
REDIS_UP = service_level("", "redis_up", "min")
REDIS_EVICTIONS_RATE = service_level("", "redis_evicted_keys", "rate5m")
REDIS_REJECTED_RATE = service_level("", "redis_rejected_connections", "rate5m")
KAFKA_BROKERS = service_level("", "kafka_brokers", "max")
KAFKA_CONSUMER_LAG = service_level("", "kafka_consumergroup_lag", "sum")  # + consumergroup, topic
QUEUE_DEPTH = service_level("", "queue_depth", "sum")  # + queue
WORKER_JOBS_RATE = service_level("", "worker_jobs", "rate5m")
WORKER_FAILURE_RATIO = service_level("", "worker_jobs_failures", "ratio_rate5m")
MODEL_ACCURACY = service_level("", "model_accuracy", "min")  # + model
MODEL_DRIFT = service_level("", "model_drift_score", "max")  # + model
MODEL_PREDICTION_RATE = service_level("", "model_predictions", "rate5m")
MODEL_LATENCY_P95 = service_level("", "model_prediction_duration_seconds", "p95_rate5m")
AUTH_FAILURE_RATE = tenant_level("", "auth_failures", "rate5m")
SECURITY_EVENTS = tenant_level("", "security_events", "increase5m")  # + kind
BUSINESS_SESSION_RATE = tenant_level("", "business_sessions", "rate30m")
BUSINESS_CONVERSION_RATIO = tenant_level("", "business_conversions", "ratio_rate30m")
TENANT_COST_RATE = tenant_level("", "tenant_cost_eur", "rate1h")


# SLOs (availability, latency, jobs, per route, custom): one name each, an `slo` label says which
SLO_LABEL = "slo"
SLO_ERROR_BUDGET_REMAINING = service_level("", "slo_error_budget", "remaining")  # 1 = untouched, < 0 = spent
SLO_BURN_RATE = service_level("", "slo_burn_rate", "rate1h")  # 1 = spending exactly the budget


def worker_failure_ratio(window: str) -> str:
    """Failed jobs / all jobs over `window`: the worker SLO's error ratio."""
    return service_level("", "worker_jobs_failures", f"ratio_rate{window}")


def route_error_ratio(window: str) -> str:
    """5xx / all requests of one route (`handler` label kept) over `window`."""
    return service_level("", "http_route_request_errors", f"ratio_rate{window}")


def route_slow_ratio(window: str) -> str:
    return service_level("", "http_route_request_slow", f"ratio_rate{window}")


def custom_error_ratio(window: str) -> str:
    """1 - good/total of a custom SLO (`slo` label) over `window`."""
    return tenant_level("", "slo_custom_errors", f"ratio_rate{window}")


def http_error_ratio(window: str) -> str:
    """5xx / all requests over `window` (e.g. "1h"): the availability SLI, per tenant and service."""
    return service_level("", "http_request_errors", f"ratio_rate{window}")


def http_slow_ratio(window: str) -> str:
    """Requests slower than the tenant's latency objective / all, over `window`."""
    return service_level("", "http_request_slow", f"ratio_rate{window}")


def zscore(signal: str) -> str:
    """The anomaly score of a recorded 5m signal against its own recent history."""
    return f"{signal}:zscore"


# Alert names (docs/metrics-and-alerts.md). Runbooks live at <runbook_base_url>/<runbook_slug(name)>.
ALERT_API_LATENCY = "TenantApiLatencyHigh"
ALERT_API_ERRORS = "TenantApiErrorRateHigh"
ALERT_API_THROUGHPUT_DROP = "TenantApiThroughputDrop"
ALERT_SERVICE_DOWN = "TenantServiceDown"
ALERT_SERVICE_ABSENT = "TenantServiceMetricsAbsent"
ALERT_SLO_ERROR_FAST = "TenantSLOErrorBudgetFastBurn"
ALERT_SLO_ERROR_SLOW = "TenantSLOErrorBudgetSlowBurn"
ALERT_SLO_LATENCY_FAST = "TenantSLOLatencyFastBurn"
ALERT_SLO_LATENCY_SLOW = "TenantSLOLatencySlowBurn"
ALERT_CONTAINER_CPU = "TenantContainerCpuSaturation"
ALERT_CONTAINER_MEMORY = "TenantContainerMemorySaturation"
ALERT_CONTAINER_RESTARTS = "TenantContainerRestarting"
ALERT_VOLUME_USAGE = "TenantVolumeAlmostFull"
ALERT_NETWORK_DROPS = "TenantNetworkPacketDrops"
ALERT_PG_CONNECTIONS = "TenantPostgresConnectionsNearLimit"
ALERT_PG_DEADLOCKS = "TenantPostgresDeadlocks"
ALERT_PG_LONG_TX = "TenantPostgresLongTransaction"
ALERT_REDIS_MEMORY = "TenantRedisMemoryNearLimit"
ALERT_REDIS_CLIENTS = "TenantRedisClientsNearLimit"
ALERT_QUEUE_BACKLOG = "TenantQueueBacklog"
ALERT_JOBS_FAILING = "TenantJobsFailing"
ALERT_MODEL_ACCURACY = "TenantModelAccuracyLow"
ALERT_MODEL_DRIFT = "TenantModelDrift"
ALERT_PG_DOWN = "TenantPostgresDown"
ALERT_PG_REPLICATION_LAG = "TenantPostgresReplicationLag"
ALERT_REDIS_DOWN = "TenantRedisDown"
ALERT_REDIS_EVICTIONS = "TenantRedisEvictingKeys"
ALERT_REDIS_REJECTED = "TenantRedisRejectingConnections"
ALERT_KAFKA_BROKER_LOST = "TenantKafkaBrokerLost"
ALERT_KAFKA_CONSUMER_LAG = "TenantKafkaConsumerLag"
ALERT_SLO_JOBS_FAST = "TenantSLOJobsFastBurn"
ALERT_SLO_JOBS_SLOW = "TenantSLOJobsSlowBurn"
ALERT_SLO_ROUTE_ERROR_FAST = "TenantRouteSLOErrorBudgetFastBurn"
ALERT_SLO_ROUTE_ERROR_SLOW = "TenantRouteSLOErrorBudgetSlowBurn"
ALERT_SLO_ROUTE_LATENCY_FAST = "TenantRouteSLOLatencyFastBurn"
ALERT_SLO_ROUTE_LATENCY_SLOW = "TenantRouteSLOLatencySlowBurn"
ALERT_SLO_CUSTOM_FAST = "TenantSLOCustomFastBurn"
ALERT_SLO_CUSTOM_SLOW = "TenantSLOCustomSlowBurn"
ALERT_AUTH_FAILURES = "TenantAuthFailureBurst"
ALERT_SECURITY_EVENT = "TenantSecurityEvent"
ALERT_CONVERSION_COLLAPSE = "TenantConversionCollapse"
ALERT_PREDICT_VOLUME = "TenantVolumeFillPredicted"
ALERT_PREDICT_PG_CONNECTIONS = "TenantPostgresConnectionsExhaustionPredicted"
ALERT_PREDICT_REDIS_MEMORY = "TenantRedisMemoryExhaustionPredicted"
ALERT_PREDICT_CONTAINER_MEMORY = "TenantContainerMemoryExhaustionPredicted"
ALERT_ANOMALY_TRAFFIC = "TenantTrafficAnomaly"
ALERT_ANOMALY_LATENCY = "TenantLatencyAnomaly"
ALERT_ANOMALY_ERRORS = "TenantErrorRatioAnomaly"
ALERT_NODE_FILESYSTEM = "PlatformNodeFilesystemAlmostFull"
ALERT_NODE_CPU = "PlatformNodeCpuHigh"
ALERT_SCRAPE_JOB_DOWN = "PlatformScrapeJobDown"
ALERT_PROMETHEUS_RULE_FAILURES = "PrometheusRuleEvaluationFailures"
ALERT_PROMETHEUS_CONFIG_RELOAD = "PrometheusConfigReloadFailed"
ALERT_PROMETHEUS_NOTIFICATIONS = "PrometheusNotificationsFailing"
ALERT_ALERTMANAGER_NOTIFICATIONS = "AlertmanagerNotificationsFailing"
ALERT_ALERTMANAGER_CONFIG_RELOAD = "AlertmanagerConfigReloadFailed"
ALERT_ENGINE_DOWN = "TenantwatchEngineDown"
ALERT_ENGINE_INTAKE_ERRORS = "TenantwatchIntakeErrors"
ALERT_ENGINE_NOTIFICATIONS_FAILING = "TenantwatchNotificationsFailing"
ALERT_ENGINE_SCHEDULER_STALE = "TenantwatchSchedulerStale"
ALERT_ENGINE_INTAKE_BACKLOG = "TenantwatchIntakeBacklog"
ALERT_ENGINE_NOTIFICATIONS_STUCK = "TenantwatchNotificationsStuck"
WATCHDOG_SEVERITY = "none"


def runbook_slug(alert: str) -> str:
    """`TenantApiLatencyHigh` -> `tenant-api-latency-high`; `SLO` stays one word."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", alert).lower()

# --- Detectors (detect/) -------------------------------------------------------------------
DETECT_ANOMALY_ALERT = "AnomalyDetected"  # category=anomaly, posted by `tenantwatch detect`
DETECT_PREDICTIVE_ALERT = "ThresholdCrossingPredicted"  # category=predictive, `detect predict`
DETECT_SIGNAL = "signal"  # label: the metric (__name__) or query a finding is about

# Scrape job names prometheus.yml uses besides the services' own; a service may not take one
BUILTIN_SCRAPE_JOBS = (SCRAPE_JOB_CADVISOR, SCRAPE_JOB_KUBELET, SCRAPE_JOB_KUBE_STATE_METRICS,
                       SCRAPE_JOB_NODE_EXPORTER, SCRAPE_JOB_PROMETHEUS, SCRAPE_JOB_ALERTMANAGER, ENGINE_JOB)

# --- Scale out (scale_out: Prometheus shards) -----------------------------------------------
SHARD = "shard"  # external label of each Prometheus shard ("0", "1", ...); dropped from alerts
SHARD_HASH_LABEL = "__tmp_shard"  # where the hashmod relabelling puts a tenant's shard number
