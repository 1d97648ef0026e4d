"""Faults the simulator can inject, which services each one hits, and fault schedules.

A fault is data (tenant, kind, services, start, end); the signal model reads it. Kinds map
to the service kinds they affect, so a fault works for any spec, not only the demo's.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict, dataclass

from tenantwatch.spec import Spec

# Which service kinds a fault hits, in order of preference. `single` faults hit one
# service (the first match), the others every service of a matching kind.
FAULT_KINDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "error_burst": (("http", "worker"), False),
    "latency_spike": (("http", "model"), False),
    "filling_volume": (("postgres", "redis", "worker", "model", "http"), True),
    "connection_exhaustion": (("postgres", "redis"), False),
    "accuracy_drop": (("model",), False),
    "brute_force": (("http", "postgres", "redis", "worker", "model"), True),
    "service_down": (("http", "postgres", "redis", "worker", "model"), True),
}


class FaultError(ValueError):
    """A fault request that cannot apply to this spec (unknown tenant, kind or service)."""


@dataclass(frozen=True)
class Fault:
    id: int
    tenant: str
    kind: str
    services: tuple[str, ...]
    start: float
    end: float | None = None  # None: until cleared

    def active(self, now: float) -> bool:
        return self.start <= now and (self.end is None or now < self.end)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ScheduledFault:
    """A fault to inject `after` seconds from the simulator's start, for `duration` seconds."""

    after: float
    tenant: str
    kind: str
    duration: float | None = None
    service: str | None = None


_ids = itertools.count(1)


def make_fault(spec: Spec, tenant: str, kind: str, now: float, *, service: str | None = None,
               duration: float | None = None) -> Fault:
    """A validated Fault, or FaultError naming what is wrong and what would be accepted."""
    if tenant not in spec.tenants:
        raise FaultError(f"tenant: unknown tenant {tenant!r}; this spec has {', '.join(spec.tenants) or 'no tenants'}")
    if kind not in FAULT_KINDS:
        raise FaultError(f"kind: unknown fault kind {kind!r}; choose from {', '.join(FAULT_KINDS)}")
    if duration is not None and duration <= 0:
        raise FaultError(f"duration: expected a positive number of seconds, got {duration!r}")
    return Fault(next(_ids), tenant, kind, _targets(spec, kind, service), now,
                 None if duration is None else now + duration)


def _targets(spec: Spec, kind: str, service: str | None) -> tuple[str, ...]:
    kinds, single = FAULT_KINDS[kind]
    if service is not None:
        if service not in spec.services:
            raise FaultError(f"service: unknown service {service!r}; this spec has {', '.join(spec.services)}")
        if spec.services[service].kind not in kinds:
            raise FaultError(f"service: {kind} applies to services of kind {', '.join(kinds)}, "
                             f"not {service!r} ({spec.services[service].kind})")
        return (service,)
    for wanted in kinds:
        matching = tuple(name for name, svc in spec.services.items() if svc.kind == wanted)
        if matching:
            return matching[:1] if single else matching
    raise FaultError(f"kind: {kind} needs a service of kind {' or '.join(kinds)}; this spec has none")


def random_schedule(spec: Spec, seed: int, every: float, duration: float, count: int) -> list[ScheduledFault]:
    """`count` faults, one every `every` seconds, on tenants and kinds drawn from the seed
    (only kinds the spec's services can show)."""
    rng = random.Random(f"{seed}:schedule")
    kinds = [k for k, (wanted, _) in FAULT_KINDS.items() if any(s.kind in wanted for s in spec.services.values())]
    tenants = list(spec.tenants)
    if not tenants or not kinds:
        return []
    return [ScheduledFault(every * (i + 1), rng.choice(tenants), rng.choice(kinds), duration) for i in range(count)]


def parse_fault(text: str) -> tuple[str, str]:
    """TENANT:KIND (as given on the command line) -> (tenant, kind)."""
    tenant, sep, kind = text.partition(":")
    if not sep or not tenant or not kind:
        raise FaultError(f"expected TENANT:KIND (e.g. acme:error_burst), got {text!r}")
    return tenant, kind

