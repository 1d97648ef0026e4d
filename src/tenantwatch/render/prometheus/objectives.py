"""Objectives as series: a lookup table that lets one alerting rule judge every tenant.

The table holds data, not per-tenant logic: the defaults, one line per tier override, one
line per explicit tenant override, and one info line per tenant (its tier and scope). A few
derivation rules, whose number depends only on the objective names and services, turn them
into each tenant's effective objective where it differs from the default (its own value,
else its tier's), its paging switch and its latency bucket edge. Alerts join those `on(tenant)`,
so tenants that only name a tier add one info line and nothing else.
"""

from __future__ import annotations

from tenantwatch import conventions as c
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


def _constant(record: str, value: float, **labels: str) -> dict:
    rule: dict = {"record": record, "expr": f"vector({number(value)})"}
    if labels:
        rule["labels"] = labels
    return rule


def _info(spec: Spec) -> list[dict]:
    """One line per tenant (its tier, scope "tenant") and one for the platform (scope "shared")."""
    rules = [_constant(c.TENANT_INFO, 1, tenant=c.PLATFORM_TENANT, scope=c.SCOPE_SHARED)]
    for tenant, entry in spec.tenants.items():
        labels = {"tenant": tenant, "scope": c.SCOPE_TENANT}
        if entry.tier:
            labels["tier"] = entry.tier
        rules.append(_constant(c.TENANT_INFO, 1, **labels))
    return rules


def _by_tier(record_of_tier: str) -> str:
    """Each tenant's value of a per-tier series, through its info line."""
    return f"max by (tenant) ({c.TENANT_INFO} * on(tier) group_left() {record_of_tier})"


def _tables(spec: Spec, names: list[str]) -> tuple[list[dict], set[str]]:
    """Defaults, tier and tenant override lines; and the names some tier or tenant overrides."""
    defaults = spec.objectives.model_dump()
    rules = [_constant(c.objective_default(name), defaults[name]) for name in names]
    overridden: set[str] = set()
    for tier, entry in spec.tiers.items():
        for name, value in entry.objectives.set_values().items():
            if name in defaults and defaults[name] is not None:
                rules.append(_constant(c.objective_tier(name), value, tier=tier))
                overridden.add(name)
    for tenant, entry in spec.tenants.items():
        for name, value in entry.objectives.set_values().items():
            if name in defaults and defaults[name] is not None:
                rules.append(_constant(c.objective_override(name), value, tenant=tenant))
                overridden.add(name)
    return rules, overridden


def _effective(names: list[str]) -> list[dict]:
    """A tenant's own override, else its tier's value (tenants with neither use the default)."""
    return [{"record": c.objective(name),
             "expr": f"{c.objective_override(name)} or on(tenant) {_by_tier(c.objective_tier(name))}"}
            for name in sorted(names)]


def _paging(spec: Spec) -> list[dict]:
    """Tenants whose critical alerts must not page: `page: false` on the tenant, or on its
    tier unless the tenant says `page: true`."""
    rules = [_constant(c.TIER_PAGING_DISABLED, 1, tier=tier) for tier, entry in spec.tiers.items() if not entry.page]
    rules += [_constant(c.TENANT_PAGE, 1 if entry.page else 0, tenant=tenant)
              for tenant, entry in spec.tenants.items() if entry.page is not None]
    if not rules:
        return []
    derived = (f"({c.TENANT_PAGE} == 0) or on(tenant) "
               f"({_by_tier(c.TIER_PAGING_DISABLED)} unless on(tenant) {c.TENANT_PAGE})")
    return rules + [{"record": c.PAGING_DISABLED, "expr": derived}]


def _le_rules(spec: Spec, http_services: list[str], latency_overridden: bool) -> list[dict]:
    """The `le` of each tenant's latency objective per HTTP service: the default edge as a
    constant, and for tenants with their own objective one derivation rule per bucket edge
    (edge i when edge_i <= objective < edge_i+1), so tenants never add lines here."""
    rules = []
    default = spec.objectives.latency_p95
    own = c.objective(LATENCY)
    for service in http_services:
        buckets = spec.services[service].latency_buckets
        for le in le_strings(bucket_edge(default, buckets)):
            rules.append({"record": c.objective_le_default(LATENCY), "expr": "vector(1)", "labels": {"service": service, "le": le}})
        if not latency_overridden:
            continue
        for i, edge in enumerate(buckets):
            low = f" >= {number(edge)}" if i > 0 else ""
            high = f" < {number(buckets[i + 1])}" if i + 1 < len(buckets) else ""
            for le in le_strings(edge):
                rules.append({"record": c.objective_le(LATENCY), "expr": f"0 * ({own}{low}{high}) + 1",
                              "labels": {"service": service, "le": le}})
    return rules


def _explicit_slos(spec: Spec, http_services: list[str]) -> list[dict]:
    """Objectives of the routes and custom SLOs the spec lists (a route's unset keys take the
    platform default)."""
    rules = []
    defaults = spec.objectives
    for service in http_services:
        buckets = spec.services[service].latency_buckets
        for handler, route in spec.services[service].routes.items():
            where = {"service": service, "handler": handler}
            availability = route.availability if route.availability is not None else defaults.availability
            latency = route.latency_p95 if route.latency_p95 is not None else defaults.latency_p95
            rules.append(_constant(c.objective_route("availability"), availability, **where))
            rules.append(_constant(c.objective_route(LATENCY), latency, **where))
            rules += [_constant(c.OBJECTIVE_LE_ROUTE, 1, **where, le=le) for le in le_strings(bucket_edge(latency, buckets))]
    rules += [_constant(c.OBJECTIVE_SLO, slo.objective, slo=name) for name, slo in spec.slos.items()]
    return rules


def objective_rules(spec: Spec, http_services: list[str]) -> list[dict]:
    """The recording rules of the objectives group, in evaluation order (derivations last)."""
    names = objective_names(spec)
    tables, overridden = _tables(spec, names)
    return [*tables, *_info(spec), *_explicit_slos(spec, http_services), *_effective(sorted(overridden)),
            *_paging(spec), *_le_rules(spec, http_services, LATENCY in overridden)]
