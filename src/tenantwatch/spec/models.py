"""The frozen pydantic model of a tenantwatch spec (version 1).

Every key of examples/platform.yaml has a field here; unknown keys are refused so a typo
never silently disables monitoring. Cross-field rules live in spec/checks.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, create_model

from tenantwatch.conventions import SEVERITIES, Level, Severity
from tenantwatch.spec.scale_out import ScaleOut
from tenantwatch.spec.units import Duration, PositiveDuration, Ratio, SecretRef, TimeRange

ServiceKind = Literal["http", "postgres", "redis", "kafka", "worker", "model"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DEFAULT_BUCKETS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class Model(BaseModel):
    """Base of every spec model: frozen, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TenantIsolation(Model):
    enabled: bool = True
    label: Literal["tenant"] = "tenant"
    metrics_prefix: str = Field("tenant_", pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    namespace_separation: bool = True
    resource_quotas: bool = False


class AutoScaling(Model):
    enabled: bool = False
    min_replicas: int = Field(1, ge=0)
    max_replicas: int = Field(10, ge=1)
    cpu_threshold: float = Field(70, gt=0, le=100)
    memory_threshold: float = Field(80, gt=0, le=100)
    custom_metrics: bool = False


class IntelligentAlerts(Model):
    predictive: bool = True
    machine_learning: bool = True
    correlation: bool = True
    auto_remediation: bool = False


class Engine(Model):
    url: str = "http://127.0.0.1:8080"
    intake_key_file: str = "/etc/tenantwatch/intake.key"
    # Where people reach the engine (dashboard links in notifications); default: `url`.
    public_url: str | None = None

    @property
    def link_base(self) -> str:
        """The base of every link a person follows (notification buttons, dashboard pages)."""
        return (self.public_url or self.url).rstrip("/")


class PrometheusSettings(Model):
    """Where Prometheus finds Alertmanager and how often it scrapes and evaluates."""

    alertmanager: str = "127.0.0.1:9093"
    scrape_interval: PositiveDuration = 30.0
    evaluation_interval: PositiveDuration = 30.0
    # Bearer token for the kubelet (cAdvisor, volume stats); in a pod usually
    # /var/run/secrets/kubernetes.io/serviceaccount/token. Off by default, so the rendered
    # prometheus.yml passes a full `promtool check config` outside the cluster.
    kubelet_token_file: str | None = None
    # Where this Prometheus listens: it scrapes itself there (monitoring of the monitoring).
    listen_address: str = "127.0.0.1:9090"
    # The user's own rule files (paths relative to the spec file), copied into rules/user/
    # and checked by promtool with the rest.
    rule_files: list[str] = []
    # Extra scrape jobs, merged as they are into scrape_configs after the generated ones.
    scrape_configs: list[dict[str, Any]] = []


class GrafanaSettings(Model):
    """Where Grafana runs (dashboard links in alerts) and how its datasource is provisioned."""

    url: str = "http://127.0.0.1:3000"
    datasource_is_default: bool = False


class AlertmanagerSettings(Model):
    """Native-receiver settings used with alert_delivery: alertmanager."""

    secrets_dir: str = "/etc/alertmanager/secrets"
    resolve_timeout: PositiveDuration = 300.0


class Objectives(Model):
    """Targets and thresholds; every one can be overridden per tier and per tenant."""

    latency_p95: PositiveDuration = 0.5
    error_rate: Ratio = 0.01
    availability: Ratio = 0.999
    throughput_rps: float | None = Field(None, gt=0)
    throughput_drop: Ratio = 0.5
    cost_per_request_eur: float | None = Field(None, ge=0)
    resolution_time: PositiveDuration = 1800.0
    cpu_saturation: Ratio = 0.9
    memory_saturation: Ratio = 0.9
    volume_usage: Ratio = 0.85
    restarts_per_hour: float = Field(3, ge=0)
    network_drops_per_second: float = Field(1, ge=0)
    connection_usage: Ratio = 0.8
    deadlocks_per_minute: float = Field(1, ge=0)
    long_transaction: PositiveDuration = 300.0
    redis_memory_usage: Ratio = 0.9
    redis_clients_usage: Ratio = 0.9
    queue_backlog: float = Field(1000, ge=0)
    job_failure_rate: Ratio = 0.05
    job_success: Ratio = 0.99  # the worker SLO: share of jobs that succeed over slo_period
    replication_lag: PositiveDuration = 30.0
    redis_evictions_per_second: float = Field(1, ge=0)
    consumer_lag: float = Field(10000, ge=0)  # messages a Kafka consumer group may fall behind
    model_accuracy: Ratio = 0.8
    drift_score: float = Field(0.2, ge=0)
    auth_failures_per_minute: float = Field(30, ge=0)
    conversion_drop: Ratio = 0.5
    prediction_horizon: PositiveDuration = 14400.0


class _Overrides(Model):
    def set_values(self) -> dict[str, float]:
        """Only the keys this override sets."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def _all_optional(model: type[Model]) -> dict[str, Any]:
    """The fields of `model`, each optional with default None (constraints kept)."""
    return {name: (Optional[f.rebuild_annotation()], None) for name, f in model.model_fields.items()}


ObjectiveOverrides = create_model(
    "ObjectiveOverrides",
    __base__=_Overrides,
    __doc__="The same keys as Objectives, all optional: only what a tier or tenant changes.",
    **_all_optional(Objectives),
)


class SlackChannel(Model):
    type: Literal["slack"]
    webhook_url: SecretRef
    channel: str | None = None


class EmailChannel(Model):
    type: Literal["email"]
    to: list[str] = Field(min_length=1)
    from_: str = Field(alias="from")
    smarthost: str = Field(pattern=r"^[^:\s]+:\d+$")
    username: str | None = None
    password: SecretRef | None = None
    require_tls: bool = True


class PagerDutyChannel(Model):
    type: Literal["pagerduty"]
    routing_key: SecretRef
    url: str = "https://events.pagerduty.com/v2/enqueue"


class DiscordChannel(Model):
    type: Literal["discord"]
    webhook_url: SecretRef


class WebhookChannel(Model):
    type: Literal["webhook"]
    url: SecretRef


Channel = Annotated[
    Union[SlackChannel, EmailChannel, PagerDutyChannel, DiscordChannel, WebhookChannel],
    Field(discriminator="type"),
]
CHANNEL_TYPES: tuple[str, ...] = tuple(
    m.model_fields["type"].annotation.__args__[0] for m in Channel.__origin__.__args__  # type: ignore[attr-defined]
)


class Tier(Model):
    page: bool = True
    objectives: ObjectiveOverrides = ObjectiveOverrides()


class EscalationLevel(Model):
    level: Level
    after: Duration = 0.0
    notify: list[str] = []
    severities: list[Severity] = list(SEVERITIES)
    auto_remediation: bool = False


class Recurring(Model):
    weekdays: list[Weekday] = []
    times: TimeRange | None = None
    days_of_month: list[Annotated[int, Field(ge=1, le=31)]] = []
    months: list[Annotated[int, Field(ge=1, le=12)]] = []
    location: str = "UTC"


class MaintenanceWindow(Model):
    name: str = Field(pattern=r"^[a-zA-Z0-9][-a-zA-Z0-9_.]*$")
    tenants: list[str] = []
    services: list[str] = []
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    recurring: Recurring | None = None


class RemediationRule(Model):
    match: dict[str, str] = Field(min_length=1)
    action: str
    params: dict[str, object] = {}
    max_per_hour: int = Field(6, ge=1)


class Remediation(Model):
    dry_run: bool = True
    max_failures: int = Field(3, ge=1)
    rules: list[RemediationRule] = []


class RouteObjectives(Model):
    """A per-route (`handler`) SLO of an HTTP service; unset keys take the platform default."""

    availability: Ratio | None = None
    latency_p95: PositiveDuration | None = None


class Service(Model):
    kind: ServiceKind
    # One deployment for every tenant (its health series carry no tenant label) instead of
    # one instance per tenant (namespace tenant-<id>, or a tenant label on every series).
    shared: bool = False
    # Kubernetes namespace of a shared service (per-tenant services live in tenant-<id>).
    namespace: str = "default"
    depends_on: list[str] = []
    buckets: list[float] | None = None
    targets: list[str] = []
    # discovery: static with one instance per tenant: each tenant's host:port targets, which
    # Prometheus then labels with the tenant (its `up` too).
    tenant_targets: dict[str, list[str]] = {}
    deployment: str | None = None
    # PersistentVolumeClaim names (regular expressions, anchored) that belong to this service;
    # default: "<deployment>-.*" and ".*-<deployment>-[0-9]+" (a StatefulSet's claims).
    volumes: list[str] | None = None
    routes: dict[str, RouteObjectives] = {}

    @property
    def latency_buckets(self) -> tuple[float, ...]:
        return tuple(self.buckets) if self.buckets else DEFAULT_BUCKETS

    def workload(self, name: str) -> str:
        """The Deployment/StatefulSet (and container) name of the service called `name`."""
        return self.deployment or name

    def volume_patterns(self, name: str) -> list[str]:
        if self.volumes is not None:
            return list(self.volumes)
        workload = self.workload(name)
        return [f"{workload}-.*", f".*-{workload}-[0-9]+"]


SLO_WINDOW = "$window"  # where a custom SLO's PromQL takes each burn-rate window


class CustomSlo(Model):
    """An SLO on any signal: good and total events as PromQL aggregated `by (tenant)`, with
    `$window` where the range goes, e.g. `sum by (tenant) (rate(checkout_ok_total[$window]))`."""

    good: str = Field(min_length=1)
    total: str = Field(min_length=1)
    objective: Ratio
    service: str | None = None
    description: str = ""


class Tenant(Model):
    tier: str | None = None
    page: bool | None = None
    objectives: ObjectiveOverrides = ObjectiveOverrides()
    # The services this tenant uses (default: every service); decides which tenants a
    # shared service's outage affects.
    services: list[str] | None = None


class Spec(Model):
    version: Literal[1]
    platform: str
    environment: str = "prod"
    tenant_isolation: TenantIsolation = TenantIsolation()
    auto_scaling: AutoScaling = AutoScaling()
    intelligent_alerts: IntelligentAlerts = IntelligentAlerts()
    alert_delivery: Literal["engine", "alertmanager"] = "engine"
    engine: Engine = Engine()
    prometheus: PrometheusSettings = PrometheusSettings()
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    grafana: GrafanaSettings = GrafanaSettings()
    discovery: Literal["kubernetes", "static"] = "kubernetes"
    slo_period: PositiveDuration = 30 * 86400.0
    runbook_base_url: str = "https://runbooks.example.com/tenantwatch"
    objectives: Objectives = Objectives()
    channels: dict[str, Channel] = {}
    tiers: dict[str, Tier] = {}
    escalation: list[EscalationLevel] = []
    maintenance: list[MaintenanceWindow] = []
    remediation: Remediation = Remediation()
    services: dict[str, Service] = Field(min_length=1)
    slos: dict[str, CustomSlo] = {}
    tenants: dict[str, Tenant] = {}
    scale_out: ScaleOut = ScaleOut()

    # Renderers ask for every tenant's objectives many times; the spec is frozen, so the
    # answers are kept (10 000 tenants would otherwise spend seconds in model_dump).
    _resolved: dict[str, tuple[Objectives, dict[str, float]]] = PrivateAttr(default_factory=dict)

    def objectives_for(self, tenant: str) -> Objectives:
        """The tenant's objectives: tenant override over tier default over global."""
        return self._resolve(tenant)[0]

    def overrides_for(self, tenant: str) -> dict[str, float]:
        """The objectives where the tenant differs from the global defaults."""
        return dict(self._resolve(tenant)[1])

    def __copy__(self) -> "Spec":
        """A copy (model_copy) starts with no answers: its tenants or tiers may be updated."""
        copied = super().__copy__()
        copied._resolved = {}
        return copied

    def __deepcopy__(self, memo: dict | None = None) -> "Spec":
        copied = super().__deepcopy__(memo)
        copied._resolved = {}
        return copied

    def _resolve(self, tenant: str) -> tuple[Objectives, dict[str, float]]:
        if tenant not in self._resolved:
            entry = self.tenants.get(tenant, Tenant())
            base = self.objectives.model_dump()
            merged = dict(base)
            if entry.tier in self.tiers:
                merged.update(self.tiers[entry.tier].objectives.set_values())
            merged.update(entry.objectives.set_values())
            differs = {k: v for k, v in merged.items() if v != base[k] and v is not None}
            self._resolved[tenant] = (Objectives.model_construct(**merged), differs)
        return self._resolved[tenant]

    def tier_of(self, tenant: str) -> str | None:
        entry = self.tenants.get(tenant)
        return entry.tier if entry is not None else None

    def services_of_tenant(self, tenant: str) -> list[str]:
        """The services a tenant uses (every service unless the tenant lists its own)."""
        entry = self.tenants.get(tenant)
        if entry is None or entry.services is None:
            return list(self.services)
        return list(entry.services)

    def shared_services(self) -> list[str]:
        return [name for name, service in self.services.items() if service.shared]

    def pages(self, tenant: str) -> bool:
        """Whether the tenant's critical alerts may page (tenant over tier; default yes)."""
        entry = self.tenants.get(tenant, Tenant())
        if entry.page is not None:
            return entry.page
        return self.tiers[entry.tier].page if entry.tier in self.tiers else True
