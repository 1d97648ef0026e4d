"""Objectives as series: defaults once, one rule per override, paging switches per tenant.

This is what lets one alerting rule judge every tenant by its own objective: the alert
joins these series `on(tenant)`, so the rule count never depends on the tenant count and
files grow only with overrides.
"""

from __future__ import annotations

from tenantwatch import conventions
from tenantwatch.render.prometheus.promql import number
from tenantwatch.spec import Spec

LATENCY = "latency_p95"


def objective_names(spec: Spec) -> list[str]:
    return [k for k, v in spec.objectives.model_dump().items() if v is not None]


def bucket_edge(objective: float, buckets: tuple[float, ...]) -> float:
    """The bucket edge that stands for a latency objective: the largest edge not above it
    (conservative: requests between that edge and the objective count as slow)."""
    below = [b for b in buckets if b <= objective]
    return max(below) if below else min(buckets)


def le_strings(edge: float) -> list[str]:
    """Both spellings exporters use for an `le` (Go: "1", Python client: "1.0")."""
    text = number(edge)
    return [text, f"{text}.0"] if float(edge).is_integer() else [text]


def _le_rules(spec: Spec, http_services: list[str]) -> list[dict]:
    rules = []
    default = spec.objectives.latency_p95
    tenants = [t for t in spec.tenants if LATENCY in spec.overrides_for(t)]
    for service in http_services:
        buckets = spec.services[service].latency_buckets
        for le in le_strings(bucket_edge(default, buckets)):
            rules.append({"record": conventions.objective_le_default(LATENCY), "expr": "vector(1)", "labels": {"service": service, "le": le}})
        for tenant in tenants:
            edge = bucket_edge(spec.objectives_for(tenant).latency_p95, buckets)
            for le in le_strings(edge):
                labels = {"tenant": tenant, "service": service, "le": le}
                rules.append({"record": conventions.objective_le(LATENCY), "expr": "vector(1)", "labels": labels})
    return rules


def objective_rules(spec: Spec, http_services: list[str]) -> list[dict]:
    """The recording rules of the objectives group."""
    rules = []
    names = objective_names(spec)
    defaults = spec.objectives.model_dump()
    for name in names:
        rules.append({"record": conventions.objective_default(name), "expr": f"vector({number(defaults[name])})"})
    for tenant in spec.tenants:
        for name, value in spec.overrides_for(tenant).items():
            if name in names:
                rules.append({"record": conventions.objective(name), "expr": f"vector({number(value)})", "labels": {"tenant": tenant}})
    for tenant in spec.tenants:
        if not spec.pages(tenant):
            rules.append({"record": conventions.PAGING_DISABLED, "expr": "vector(1)", "labels": {"tenant": tenant}})
    return rules + _le_rules(spec, http_services)
