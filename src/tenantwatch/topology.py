"""Who depends on whom, and who uses what, read from a spec's `depends_on` and
`tenants.<id>.services`.

The one place the renderer (inhibition), the engine (correlation, the tenants a shared
outage affects) and the simulator (outages cascading to dependents) ask, so they can never
disagree about what an outage reaches.
"""

from __future__ import annotations

from functools import cached_property
from typing import Iterable

from tenantwatch.spec.models import Spec


def _closure(edges: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Every node reachable from each node through `edges` (itself excluded)."""
    out = {}
    for start in edges:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen and node != start:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        out[start] = frozenset(seen)
    return out


class Topology:
    """The services' dependency graph (transitive both ways) and the tenants' use of it."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    @cached_property
    def below(self) -> dict[str, frozenset[str]]:
        """service -> everything it depends on, directly or through other services."""
        return _closure({name: set(s.depends_on) & set(self.spec.services) for name, s in self.spec.services.items()})

    @cached_property
    def above(self) -> dict[str, frozenset[str]]:
        """service -> every service that depends on it, directly or through others."""
        direct: dict[str, set[str]] = {name: set() for name in self.spec.services}
        for name, service in self.spec.services.items():
            for dependency in service.depends_on:
                direct.setdefault(dependency, set()).add(name)
        return _closure(direct)

    def depends_on(self, service: str, other: str) -> bool:
        """Whether `service` needs `other`, directly or through other services."""
        return other in self.below.get(service, frozenset())

    def needs(self, service: str, other: str) -> bool:
        """Whether `service` is `other` or depends on it: an outage of `other` reaches it."""
        return service == other or self.depends_on(service, other)

    def related(self, a: str | None, b: str | None) -> bool:
        """Whether one of two services reaches the other (either direction)."""
        if a == b:
            return True
        if a is None or b is None:
            return False
        return self.depends_on(a, b) or self.depends_on(b, a)

    def related_to_any(self, service: str | None, services: Iterable[str | None]) -> bool:
        return any(self.related(service, other) for other in services)

    def root_cause(self, failing: list[str]) -> str | None:
        """The failing service that depends on no other failing one; ties go to the service
        most others depend on, then to the first that failed (`failing` is in arrival order)."""
        if not failing:
            return None
        roots = [s for s in failing if not any(self.depends_on(s, o) for o in failing if o != s)] or failing
        return max(roots, key=lambda s: (sum(self.depends_on(o, s) for o in failing), -failing.index(s)))

    def uses(self, tenant: str) -> tuple[str, ...]:
        """The services a tenant uses, in spec order."""
        mine = set(self.spec.services_of_tenant(tenant))
        return tuple(name for name in self.spec.services if name in mine)

    def reached(self, tenant: str, failing: Iterable[str]) -> tuple[str, ...]:
        """The services `tenant` uses that are one of `failing` or depend on one."""
        failing = set(failing)
        return tuple(name for name in self.uses(tenant) if name in failing or self.below[name] & failing)

    def tenants_reached_by(self, failing: Iterable[str]) -> list[str]:
        """The spec's tenants an outage of `failing` reaches: those using a failing service or
        a service that depends on one (the tenants a shared outage affects)."""
        failing = list(failing)
        return [tenant for tenant in self.spec.tenants if self.reached(tenant, failing)]
