"""The simulated platform: every tenant x service it uses, and each shared service's
deployment once, integrated over time.

Counters only ever grow (rates integrated step by step), the daily traffic pattern runs on
an optionally accelerated clock, and everything is a function of the seed and the clock,
so two runs with the same seed and the same clock readings expose identical text.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.sim.faults import Fault, ScheduledFault, make_fault
from tenantwatch.sim.signals import Key, Moment, Signals, signals_of
from tenantwatch.sim.topology import Topology
from tenantwatch.spec import Spec

MAX_STEPS = 2000  # per advance; a long jump of the clock is integrated in coarser steps
DAY = 86400.0


@dataclass(frozen=True)
class TenantProfile:
    """A tenant's size and time zone, drawn from the seed (stable when tenants are added)."""

    base_rps: float
    phase_hours: float
    wobble: tuple[float, float]  # phases of the slow minute-scale variations

    @classmethod
    def draw(cls, seed: int, tenant: str) -> "TenantProfile":
        rng = random.Random(f"{seed}:{tenant}")
        return cls(rng.uniform(5, 40), rng.uniform(-3, 3), (rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)))

    def rps(self, real: float, simulated: float) -> float:
        """Requests per second: a daily curve (peak mid-afternoon) with smooth wobbles, no jumps,
        so anomaly rules see a pattern, not noise."""
        hour = (simulated % DAY) / 3600
        daily = 1 + 0.4 * math.sin(2 * math.pi * (hour - 9 - self.phase_hours) / 24)
        wobble = 1 + 0.03 * math.sin(2 * math.pi * real / 420 + self.wobble[0]) + 0.02 * math.sin(2 * math.pi * real / 180 + self.wobble[1])
        return self.base_rps * daily * wobble


class World:
    """The state behind /metrics and /faults; thread-safe (scrapes and fault requests race)."""

    def __init__(self, spec: Spec, *, seed: int = 0, speed: float = 1.0, clock: Callable[[], float] = time.time,
                 schedule: Iterable[ScheduledFault] = (), step: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed: expected a positive factor, got {speed}")
        self.spec = spec
        self.seed = seed
        self.speed = speed
        self._clock = clock
        self._step = step
        self._start = self._now = clock()
        self._profiles = {t: TenantProfile.draw(seed, t) for t in spec.tenants}
        self._objectives = {t: spec.objectives_for(t) for t in spec.tenants}  # merged once, read every step
        self._topology = Topology.of(spec)
        self._schedule = sorted(schedule, key=lambda s: s.after)
        self._faults: list[Fault] = []
        self._counters: dict[Key, float] = {}
        self._latest: dict[tuple[str | None, str], Signals] = {}  # (tenant or None if shared, service)
        self._lock = threading.Lock()
        self._sample(self._now)

    # faults -------------------------------------------------------------------------------
    def inject(self, tenant: str, kind: str, *, service: str | None = None, duration: float | None = None) -> Fault:
        """Start a fault now: the next scrape shows it (what came before is integrated without it)."""
        self.advance()
        with self._lock:
            fault = make_fault(self.spec, tenant, kind, self._now, service=service, duration=duration)
            self._faults.append(fault)
            self._sample(self._now)
            return fault

    def clear(self, fault_id: int | None = None) -> int:
        """End one fault (or all) now; returns how many were ended."""
        self.advance()
        with self._lock:
            ended = [f for f in self._faults if f.active(self._now) and fault_id in (None, f.id)]
            self._faults = [f for f in self._faults if f not in ended]
            self._sample(self._now)
            return len(ended)

    def faults(self) -> list[Fault]:
        now = self._clock()
        with self._lock:
            return [f for f in self._faults if f.active(now)]

    def scrape_fails(self, service: str) -> bool:
        """Whether a scrape of this shared service's own target must fail now (it is down), as
        when a real exporter's pod dies: Prometheus then sets `up` of the target to 0."""
        return self.spec.services[service].shared and any(
            f.tenant == PLATFORM_TENANT and f.kind == "service_down" and service in f.services for f in self.faults())

    # time ---------------------------------------------------------------------------------
    def simulated(self, real: float) -> float:
        """The simulated wall-clock time (epoch seconds) at a real instant."""
        return self._start + (real - self._start) * self.speed

    def advance(self) -> None:
        """Integrate every counter up to the clock's current reading."""
        with self._lock:
            target = self._clock()
            step = max(self._step, (target - self._now) / MAX_STEPS)
            while self._now < target:
                dt = min(step, target - self._now)
                self._start_scheduled(self._now + dt)
                for signals in self._latest.values():
                    for series, rate in signals.rates.items():
                        self._counters[series] = self._counters.get(series, 0.0) + rate * dt
                self._now += dt
                self._sample(self._now)
            self._faults = [f for f in self._faults if f.end is None or f.end > self._now]  # forget ended ones

    def _start_scheduled(self, now: float) -> None:
        due = bisect.bisect_right([s.after for s in self._schedule], now - self._start)
        for item in self._schedule[:due]:
            self._faults.append(make_fault(self.spec, item.tenant, item.kind, self._start + item.after,
                                           service=item.service, duration=item.duration))
        self._schedule = self._schedule[due:]

    def _sample(self, now: float) -> None:
        simulated = self.simulated(now)
        top = self._topology
        active = [f for f in self._faults if f.active(now)]
        platform = [f for f in active if f.tenant == PLATFORM_TENANT]
        rps = {tenant: profile.rps(now, simulated) for tenant, profile in self._profiles.items()}
        latest: dict[tuple[str | None, str], Signals] = {}
        for name, users in top.served.items():
            moment = Moment(None, name, self.spec.services[name], self.spec.objectives, sum(rps[t] for t in users),
                            _started(platform, name, now), tenants=users, dependents=top.dependents[name])
            latest[(None, name)] = signals_of(moment)
        for tenant, mine in top.uses.items():
            faults = platform + [f for f in active if f.tenant == tenant]
            down = {s for f in faults if f.kind == "service_down" for s in f.services}
            for name in mine:
                moment = Moment(tenant, name, self.spec.services[name], self._objectives[tenant], rps[tenant],
                                _started(faults, name, now), home=name == top.home[tenant], tenants=(tenant,),
                                dependents=top.dependents[name], dependency_down=bool(top.below[name] & down))
                latest[(tenant, name)] = signals_of(moment)
        self._latest = latest

    # output -------------------------------------------------------------------------------
    def series(self, service: str | None = None) -> list[tuple[str, dict[str, str], float]]:
        """Every exposed series now (optionally of one service): (name, labels, value)."""
        self.advance()
        with self._lock:
            out = []
            for (_, name), signals in self._latest.items():
                if service is not None and name != service:
                    continue
                out.extend((metric, dict(labels), value) for (metric, labels), value in signals.gauges.items())
                out.extend((metric, dict(labels), self._counters.get((metric, labels), 0.0))
                           for metric, labels in signals.rates)
            return out


def _started(faults: list[Fault], service: str, now: float) -> dict[str, float]:
    """Kind -> seconds since it started, of the faults hitting `service`."""
    return {f.kind: now - f.start for f in faults if service in f.services}
