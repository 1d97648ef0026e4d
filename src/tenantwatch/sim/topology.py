"""Who uses what in a spec: the services each tenant uses, the tenants each shared service
serves (directly or through services depending on it), and what depends on what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tenantwatch.spec import Spec
from tenantwatch.spec.models import Service


@dataclass(frozen=True)
class Topology:
    """Who uses what: read once from the spec, consulted at every step."""

    uses: dict[str, tuple[str, ...]]  # tenant -> the services it uses (spec order)
    home: dict[str, str | None]  # tenant -> the service carrying its tenant-level series
    served: dict[str, tuple[str, ...]]  # shared service -> the tenants it serves, directly or not
    below: dict[str, frozenset[str]]  # service -> everything it depends on, transitively
    dependents: dict[str, tuple[str, ...]]  # service -> the services depending on it directly

    @classmethod
    def of(cls, spec: Spec) -> "Topology":
        services = spec.services
        below = {name: dependencies(services, [name]) for name in services}
        uses = {t: tuple(n for n in services if n in spec.services_of_tenant(t)) for t in spec.tenants}
        home = {t: next((n for n in mine if services[n].kind == "http"), mine[0] if mine else None)
                for t, mine in uses.items()}
        served = {name: tuple(t for t, mine in uses.items() if any(n == name or name in below[n] for n in mine))
                  for name in spec.shared_services()}
        dependents = {name: tuple(n for n, s in services.items() if name in s.depends_on) for name in services}
        return cls(uses, home, served, below, dependents)

    def broken_by(self, dead: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Tenant -> the services it uses that depend on one of `dead` (directly or not)."""
        gone = set(dead)
        broken = {t: tuple(n for n in mine if self.below[n] & gone) for t, mine in self.uses.items()}
        return {t: names for t, names in broken.items() if names}


def dependencies(services: dict[str, Service], roots: Iterable[str]) -> frozenset[str]:
    """Everything the `roots` depend on, directly or through other services (depends_on)."""
    seen: set[str] = set()
    todo = [dep for root in roots if root in services for dep in services[root].depends_on]
    while todo:
        dep = todo.pop()
        if dep not in seen and dep in services:
            seen.add(dep)
            todo.extend(services[dep].depends_on)
    return frozenset(seen)
