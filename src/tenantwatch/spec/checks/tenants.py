"""Checks of `tenants`: ids, and the tiers and services each tenant names."""

from __future__ import annotations

from typing import Iterator

from tenantwatch.spec.checks.registry import Sections, check, error, names, unknown
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.units import id_problem


@check("tenants")
def _tenant_ids(s: Sections) -> Iterator[Issue]:
    for name in s["tenants"]:
        if problem := id_problem(name):
            yield error(("tenants", name), f"invalid tenant id: {problem}")


@check("tenants", "tiers")
def _tenant_tiers(s: Sections) -> Iterator[Issue]:
    for name, tenant in s["tenants"].items():
        if tenant.tier is not None and tenant.tier not in names(s, "tiers"):
            yield error(("tenants", name, "tier"), unknown("tier", tenant.tier, names(s, "tiers")))


@check("tenants", "services")
def _tenant_services(s: Sections) -> Iterator[Issue]:
    known = names(s, "services")
    for name, tenant in s["tenants"].items():
        for i, service in enumerate(tenant.services or []):
            if service not in known:
                yield error(("tenants", name, "services", i), unknown("service", service, known))
