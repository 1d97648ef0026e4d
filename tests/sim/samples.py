"""What a Prometheus scrape of the simulator reads: a clock the test moves, the samples as a
real parser sees them, and the rates and quantiles PromQL would compute from two scrapes."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from tenantwatch.sim import World
from tenantwatch.sim.exposition import render
from tenantwatch.spec import Spec


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def scrape(world: World, service: str | None = None) -> dict[tuple[str, frozenset], float]:
    """Parse the exposition with a real parser (what Prometheus reads)."""
    out = {}
    for family in text_string_to_metric_families(render(world.series(service))):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def total(samples: dict, name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, lbl), v in samples.items() if n == name and want <= lbl)


def rate(world: World, clock: FakeClock, name: str, seconds: float = 60, **labels: str) -> float:
    before = total(scrape(world), name, **labels)
    clock.now += seconds
    return (total(scrape(world), name, **labels) - before) / seconds


def p95(world: World, clock: FakeClock, name: str, **labels: str) -> float:
    """histogram_quantile(0.95, ...) over one minute, as Prometheus computes it."""
    before = scrape(world)
    clock.now += 60
    after = scrape(world)
    buckets: dict[float, float] = {}
    for (n, lbl), v in after.items():
        if n == f"{name}_bucket" and set(labels.items()) <= lbl:
            le = float(dict(lbl)["le"])
            buckets[le] = buckets.get(le, 0) + v - before[(n, lbl)]
    edges = sorted(buckets)
    rank = 0.95 * buckets[math.inf]
    lower, below = 0.0, 0.0
    for edge in edges:
        if buckets[edge] >= rank:
            if edge == math.inf:
                return lower
            return lower + (edge - lower) * (rank - below) / (buckets[edge] - below)
        lower, below = edge, buckets[edge]
    raise AssertionError("no +Inf bucket")


def connection_usage(samples: dict, **labels: str) -> float:
    """PostgreSQL connections in use / the server's maximum, over the matching series."""
    return total(samples, "pg_stat_activity_count", **labels) / total(samples, "pg_settings_max_connections", **labels)


def text_after_fault(spec: Spec, seed: int, tenant: str, kind: str) -> str:
    """The exposition 95 s after injecting one fault into a fresh world of `seed`."""
    clock = FakeClock()
    world = World(spec, seed=seed, clock=clock)
    world.inject(tenant, kind)
    clock.now += 95
    return render(world.series())
