"""Faults the simulator can inject, which services each one hits, and fault schedules.

A fault is data (tenant, kind, services, start, end); the signal model reads it. Kinds map
to the service kinds they affect, so a fault works for any spec, not only the demo's. A
fault of tenant `platform` hits shared services (one deployment for every tenant); a
tenant's fault hits the services that tenant uses.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict, dataclass

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.spec import Spec
from tenantwatch.topology import Topology

DOWN_SUFFIX = "_down"  # `<service>_down`: shorthand for service_down on that service


@dataclass(frozen=True)
class FaultKind:
    hits: tuple[str, ...]  # the service kinds it affects, in order of preference
    single: bool  # one service (the first match) or every service of the first matching kind
    # Acts on the deployment itself (its exporter, pods, volumes): on a shared service only
    # a platform fault can, since one tenant cannot kill or fill what every tenant shares.
    deployment: bool
    platform: bool = True  # False: about one tenant only (its logins), never a platform fault


FAULT_KINDS: dict[str, FaultKind] = {
    "error_burst": FaultKind(("http", "worker"), single=False, deployment=False),
    "latency_spike": FaultKind(("http", "model"), single=False, deployment=False),
    "filling_volume": FaultKind(("postgres", "redis", "kafka", "worker", "model", "http"), single=True, deployment=True),
    "connection_exhaustion": FaultKind(("postgres", "redis"), single=False, deployment=True),
    "accuracy_drop": FaultKind(("model",), single=False, deployment=False),
    "brute_force": FaultKind(("http", "postgres", "redis", "worker", "model"), single=True, deployment=False,
                             platform=False),
    "service_down": FaultKind(("http", "postgres", "redis", "kafka", "worker", "model"), single=True, deployment=True),
}


class FaultError(ValueError):
    """A fault request that cannot apply to this spec (unknown tenant, kind or service)."""


@dataclass(frozen=True)
class Fault:
    id: int
    tenant: str  # a tenant id, or "platform" for a fault on shared services
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
    if duration is not None and duration <= 0:
        raise FaultError(f"duration: expected a positive number of seconds, got {duration!r}")
    kind, services = resolve(spec, tenant, kind, service)
    return Fault(next(_ids), tenant, kind, services, now, None if duration is None else now + duration)


def resolve(spec: Spec, tenant: str, kind: str, service: str | None = None) -> tuple[str, tuple[str, ...]]:
    """(kind, services) of a fault request (`<service>_down` read as service_down on it)."""
    platform = tenant == PLATFORM_TENANT
    if not platform and tenant not in spec.tenants:
        raise FaultError(f"tenant: unknown tenant {tenant!r}; this spec has {', '.join(spec.tenants) or 'no tenants'} "
                         f"(or {PLATFORM_TENANT}, for its shared services)")
    kind, service = _shorthand(spec, kind, service)
    if platform and not spec.shared_services():
        raise FaultError(f"tenant: {PLATFORM_TENANT} faults hit shared services; this spec has none "
                         "(services.<name>.shared: true)")
    if platform and not FAULT_KINDS[kind].platform:
        raise FaultError(f"kind: {kind} hits one tenant; inject it as TENANT:{kind}")
    if service is not None:
        _check_service(spec, tenant, kind, service)
        return kind, (service,)
    return kind, _default_targets(spec, tenant, kind)


def _shorthand(spec: Spec, kind: str, service: str | None) -> tuple[str, str | None]:
    if kind in FAULT_KINDS:
        return kind, service
    named = kind.removesuffix(DOWN_SUFFIX)
    if kind.endswith(DOWN_SUFFIX) and named in spec.services and service in (None, named):
        return "service_down", named
    examples = ", ".join(f"{name}{DOWN_SUFFIX}" for name in spec.services)
    raise FaultError(f"kind: unknown fault kind {kind!r}; choose from {', '.join(FAULT_KINDS)}, "
                     f"or SERVICE{DOWN_SUFFIX} ({examples})")


def _check_service(spec: Spec, tenant: str, kind: str, service: str) -> None:
    if service not in spec.services:
        raise FaultError(f"service: unknown service {service!r}; this spec has {', '.join(spec.services)}")
    hits, shared = FAULT_KINDS[kind].hits, spec.services[service].shared
    if spec.services[service].kind not in hits:
        raise FaultError(f"service: {kind} applies to services of kind {', '.join(hits)}, "
                         f"not {service!r} ({spec.services[service].kind})")
    if tenant == PLATFORM_TENANT and not shared:
        raise FaultError(f"service: {service} is not shared (one instance per tenant); {PLATFORM_TENANT} faults hit "
                         f"shared services: {', '.join(spec.shared_services())}; for one tenant's {service} "
                         f"use TENANT:{kind}")
    if tenant == PLATFORM_TENANT:
        return
    if shared and FAULT_KINDS[kind].deployment:
        how = f"{PLATFORM_TENANT}:{service}{DOWN_SUFFIX}" if kind == "service_down" else f'"service": "{service}"'
        raise FaultError(f"service: {service} is shared by every tenant; inject {kind} on it as "
                         f"{PLATFORM_TENANT}:{kind} ({how})")
    if service not in spec.services_of_tenant(tenant):
        raise FaultError(f"service: tenant {tenant} does not use {service} (tenants.{tenant}.services)")


def _default_targets(spec: Spec, tenant: str, kind: str) -> tuple[str, ...]:
    fault = FAULT_KINDS[kind]
    usable = [n for n in (spec.shared_services() if tenant == PLATFORM_TENANT else spec.services_of_tenant(tenant))
              if n in spec.services and not (tenant != PLATFORM_TENANT and fault.deployment and spec.services[n].shared)]
    for wanted in fault.hits:
        matching = tuple(n for n in usable if spec.services[n].kind == wanted)
        if matching:
            return matching[:1] if fault.single else matching
    of_kind = [n for n, s in spec.services.items() if s.kind in fault.hits]
    kinds = " or ".join(fault.hits)
    if not of_kind:
        raise FaultError(f"kind: {kind} needs a service of kind {kinds}; this spec has none")
    if tenant == PLATFORM_TENANT:
        raise FaultError(f"kind: {kind} needs a shared service of kind {kinds}; shared services: "
                         f"{', '.join(spec.shared_services())}")
    mine = spec.services_of_tenant(tenant)
    below = Topology(spec).below
    shared = [n for n in of_kind if spec.services[n].shared and (n in mine or any(n in below[m] for m in mine))]
    if shared:
        raise FaultError(f"kind: {kind} hits {', '.join(shared)}, shared by every tenant: inject it as "
                         f"{PLATFORM_TENANT}:{kind}")
    raise FaultError(f"kind: {kind} needs a service of kind {kinds} among the services tenant {tenant} uses "
                     f"(tenants.{tenant}.services: {', '.join(spec.services_of_tenant(tenant))})")


def random_schedule(spec: Spec, seed: int, every: float, duration: float, count: int) -> list[ScheduledFault]:
    """`count` faults, one every `every` seconds, drawn from the seed among the (tenant, kind)
    pairs the spec's topology can show (platform faults on shared services included)."""
    rng = random.Random(f"{seed}:schedule")
    who = [*spec.tenants, *([PLATFORM_TENANT] if spec.shared_services() else [])]
    pairs = [(tenant, kind) for tenant in who for kind in FAULT_KINDS if _applies(spec, tenant, kind)]
    if not pairs:
        return []
    return [ScheduledFault(every * (i + 1), *rng.choice(pairs), duration) for i in range(count)]


def _applies(spec: Spec, tenant: str, kind: str) -> bool:
    try:
        resolve(spec, tenant, kind)
    except FaultError:
        return False
    return True


def parse_fault(text: str) -> tuple[str, str]:
    """TENANT:KIND (as given on the command line) -> (tenant, kind)."""
    tenant, sep, kind = text.partition(":")
    if not sep or not tenant or not kind:
        raise FaultError(f"expected TENANT:KIND (e.g. acme:error_burst or {PLATFORM_TENANT}:db{DOWN_SUFFIX}), got {text!r}")
    return tenant, kind
