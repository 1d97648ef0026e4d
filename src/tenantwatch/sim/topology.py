"""What the simulator needs of the spec's topology, read once: the services each tenant uses,
the service carrying its tenant-level series, the tenants each shared service serves
(directly or through services depending on it), and what depends on what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tenantwatch.spec import Spec
from tenantwatch.topology import Topology as Graph


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
        graph, services = Graph(spec), spec.services
        uses = {t: graph.uses(t) for t in spec.tenants}
        home = {t: next((n for n in mine if services[n].kind == "http"), mine[0] if mine else None)
                for t, mine in uses.items()}
        served = {name: tuple(graph.tenants_reached_by([name])) for name in spec.shared_services()}
        dependents = {name: tuple(n for n, s in services.items() if name in s.depends_on) for name in services}
        return cls(uses, home, served, graph.below, dependents)

    def broken_by(self, dead: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Tenant -> the services it uses that depend on one of `dead` (directly or not)."""
        gone = set(dead)
        broken = {t: tuple(n for n in mine if self.below[n] & gone) for t, mine in self.uses.items()}
        return {t: names for t, names in broken.items() if names}
