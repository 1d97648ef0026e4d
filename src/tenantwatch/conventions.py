"""Every generated metric, rule, label and alert name, in one place.

Renderers, dashboards, the engine and tests read names from here; nothing else invents one.
Recording rules follow Prometheus' level:metric:operations convention, the level being
`<metrics_prefix>service` (aggregated by tenant and service) or `<metrics_prefix>tenant`.
"""

from __future__ import annotations

# Labels (CONTRACT.md §3)
TENANT = "tenant"
SERVICE = "service"
SEVERITY = "severity"
CATEGORY = "category"
PLATFORM_TENANT = "platform"
SEVERITIES = ("critical", "warning", "info")
CATEGORIES = (
    "slo", "saturation", "errors", "latency", "availability", "predictive", "anomaly",
    "database", "ml", "security", "business",
)
WATCHDOG = "Watchdog"

# Per-tenant objectives as series: overrides carry a tenant label, defaults carry none.
OBJECTIVE = "tenantwatch:objective:{name}"
OBJECTIVE_DEFAULT = "tenantwatch:objective_default:{name}"
PAGING_DISABLED = "tenantwatch:tenant:paging_disabled"

# Namespaces and wiring
NAMESPACE_PREFIX = "tenant-"
DATASOURCE_UID = "tenantwatch-prometheus"
ENGINE_WEBHOOK_PATH = "/api/v1/alertmanager"
ENGINE_RECEIVER = "tenantwatch-engine"


def objective(name: str) -> str:
    return OBJECTIVE.format(name=name)


def objective_default(name: str) -> str:
    return OBJECTIVE_DEFAULT.format(name=name)


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
ENGINE_INCIDENTS_OPEN = "tenantwatch_incidents_open"  # labels: tenant, severity
ENGINE_NOTIFICATIONS = "tenantwatch_notifications_total"  # labels: channel, outcome (sent|failed)
ENGINE_REMEDIATIONS = "tenantwatch_remediations_total"  # labels: action, outcome (ok|failed|dry_run|refused)
ENGINE_SCHEDULER_HEARTBEAT = "tenantwatch_scheduler_last_run_timestamp_seconds"
ENGINE_REQUEST_DURATION = "tenantwatch_http_request_duration_seconds"  # labels: route, method, code
ENGINE_JOB = "tenantwatch-engine"

# Scrape jobs of prometheus.yml beside one job per service (named after the service)
SCRAPE_JOB_CADVISOR = "kubernetes-cadvisor"
SCRAPE_JOB_KUBELET = "kubernetes-kubelet"
SCRAPE_JOB_KUBE_STATE_METRICS = "kube-state-metrics"
SCRAPE_JOB_NODE_EXPORTER = "node-exporter"
METRICS_PORT_NAME = "metrics"  # the named port of a service's headless Service (DNS SRV discovery)

# Alertmanager (render/alertmanager.py). SERVICE_DOWN_ALERT is the `up == 0` availability
# alert the prometheus target emits; Alertmanager inhibits the dependents' alerts by it.
SERVICE_DOWN_ALERT = "ServiceDown"
NULL_RECEIVER = "null"  # receives the Watchdog (and severities no channel takes): notifies nobody

# Grafana (render/grafana/): dashboard uids, stable so links and provisioning survive re-renders
DASHBOARD_UIDS = {
    "overview": "tenantwatch-overview",
    "api": "tenantwatch-api",
    "infrastructure": "tenantwatch-infrastructure",
    "ml": "tenantwatch-ml",
    "security": "tenantwatch-security",
}

# --- Detectors (detect/) -------------------------------------------------------------------
DETECT_ANOMALY_ALERT = "AnomalyDetected"  # category=anomaly, posted by `tenantwatch detect`
DETECT_PREDICTIVE_ALERT = "ThresholdCrossingPredicted"  # category=predictive, `detect predict`
DETECT_SIGNAL = "signal"  # label: the metric (__name__) or query a finding is about
