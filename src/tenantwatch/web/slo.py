"""Per-tenant health for the overview: open incidents, measured availability and error budget.

The availability SLI is request-based, as in docs/metrics-and-alerts.md (non-5xx / all requests over the
spec's `slo_period`); the objective is the tenant's effective one (tier and overrides
applied). One Prometheus query answers for all the viewer's tenants at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenantwatch import conventions
from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.spec.units import format_duration
from tenantwatch.web.signals import tenant_matcher

DEFAULT_PERIOD_SECONDS = 30 * 86400.0
DEFAULT_AVAILABILITY = 0.999


@dataclass(frozen=True)
class TenantHealth:
    tenant: str
    open_incidents: int
    worst_severity: str | None
    objective: float
    availability: float | None  # None when Prometheus has no traffic for the tenant

    @property
    def status(self) -> str:
        """critical / degraded / healthy, from open incidents first, then the budget."""
        if self.worst_severity == "critical":
            return "critical"
        return "degraded" if self.open_incidents else self.budget_status

    @property
    def budget_status(self) -> str:
        """degraded when the error budget is overspent, else healthy (what remains without incidents)."""
        return "degraded" if self.budget_left is not None and self.budget_left < 0 else "healthy"

    @property
    def budget_left(self) -> float | None:
        """Share of the error budget not yet spent (1 = untouched, below 0 = objective missed)."""
        if self.availability is None or self.objective >= 1:
            return None
        return 1 - (1 - self.availability) / (1 - self.objective)


def error_ratio_query(tenants: list[str], period_seconds: float) -> str:
    """5xx / all requests by tenant over the SLO period; a tenant with no 5xx series counts 0."""
    if len(tenants) == 1:
        matcher = tenant_matcher(tenants[0])
    else:
        for tenant in tenants:
            tenant_matcher(tenant)  # validates each id before it joins the regex
        matcher = f'{conventions.TENANT}=~"{"|".join(tenants)}"'
    window = format_duration(period_seconds)
    total = f"sum by (tenant) (increase(http_requests_total{{{matcher}}}[{window}]))"
    errors = f'sum by (tenant) (increase(http_requests_total{{{matcher},code=~"5.."}}[{window}]))'
    return f"({errors} or {total} * 0) / ({total} > 0)"


def slo_period(spec: Any) -> float:
    return float(getattr(spec, "slo_period", None) or DEFAULT_PERIOD_SECONDS)


def objective_of(spec: Any, tenant: str) -> float:
    if spec is None:
        return DEFAULT_AVAILABILITY
    return float(spec.objectives_for(tenant).availability)


def unresolved_by_tenant(incidents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{tenant: {"open": count, "worst": severity}} of the incidents not yet resolved; a
    platform incident counts for the platform and for every tenant it affects."""
    found: dict[str, list[str]] = {}
    for incident in incidents:
        if incident.get("status") != "resolved":
            tenant = incident.get("tenant", "")
            counted = {tenant, *(incident.get("affected_tenants") or [])} if tenant == PLATFORM_TENANT else {tenant}
            for name in counted:
                found.setdefault(name, []).append(incident.get("severity", ""))
    return {tenant: {"open": len(severities), "worst": next((s for s in conventions.SEVERITIES if s in severities), None)}
            for tenant, severities in found.items()}


def tenant_health(spec: Any, tenants: list[str], incidents: list[dict[str, Any]],
                  error_ratios: dict[str, float]) -> list[TenantHealth]:
    """One row per tenant, from its unresolved incidents and its measured error ratio."""
    counts = unresolved_by_tenant(incidents)
    rows = []
    for tenant in tenants:
        mine = counts.get(tenant, {"open": 0, "worst": None})
        ratio = error_ratios.get(tenant)
        rows.append(TenantHealth(tenant, mine["open"], mine["worst"], objective_of(spec, tenant),
                                 None if ratio is None else 1 - ratio))
    return rows


def ratios_by_tenant(result: list[dict[str, Any]]) -> dict[str, float]:
    """{tenant: value} from an instant-vector answer."""
    return {r["metric"].get(conventions.TENANT, ""): float(r["value"][1]) for r in result}
