"""Checks of the objectives at every level (global, tier, tenant, route): targets that leave
an error budget, and latency objectives the histograms can measure."""

from __future__ import annotations

from typing import Iterator, Union

from tenantwatch.spec.checks.registry import Sections, check, error, warning
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.models import ObjectiveOverrides, Objectives, RouteObjectives

Path = tuple[object, ...]
AnyObjectives = Union[Objectives, ObjectiveOverrides, RouteObjectives]
# Objectives that must stay below 100%, and why.
_BELOW_ONE = {
    "availability": "an availability of 100% or more leaves no error budget; use e.g. 99.9%",
    "job_success": "a job success objective of 100% or more leaves no error budget; use e.g. 99%",
    "error_rate": "an error rate of 100% or more can never fire; use e.g. 1%",
}


def _all_objectives(s: Sections) -> Iterator[tuple[Path, Objectives | ObjectiveOverrides]]:
    if "objectives" in s:
        yield ("objectives",), s["objectives"]
    for tier, spec in s.get("tiers", {}).items():
        yield ("tiers", tier, "objectives"), spec.objectives
    for tenant, spec in s.get("tenants", {}).items():
        yield ("tenants", tenant, "objectives"), spec.objectives


def _route_objectives(s: Sections) -> Iterator[tuple[Path, RouteObjectives, str]]:
    """Each route's objectives, with the service it belongs to."""
    for name, svc in s.get("services", {}).items():
        for handler, route in svc.routes.items():
            yield ("services", name, "routes", handler), route, name


@check()
def _below_100(s: Sections) -> Iterator[Issue]:
    levels: list[tuple[Path, AnyObjectives]] = [*_all_objectives(s), *((p, r) for p, r, _ in _route_objectives(s))]
    for path, obj in levels:
        for key, message in _BELOW_ONE.items():
            value = getattr(obj, key, None)
            if value is not None and value >= 1:
                yield error((*path, key), message)


@check("services")
def _latency_on_bucket_edge(s: Sections) -> Iterator[Issue]:
    http = {n: v.latency_buckets for n, v in s["services"].items() if v.kind == "http"}
    for path, obj in _all_objectives(s):
        for name, buckets in http.items():
            yield from _off_edge((*path, "latency_p95"), obj.latency_p95, name, buckets)
    for path, route, name in _route_objectives(s):
        yield from _off_edge((*path, "latency_p95"), route.latency_p95, name, http.get(name, ()))


def _off_edge(path: Path, latency: float | None, service: str, buckets: tuple[float, ...]) -> Iterator[Issue]:
    if latency is not None and buckets and not any(abs(latency - b) < 1e-9 for b in buckets):
        edges = ", ".join(f"{b:g}s" for b in buckets)
        yield warning(path, f"{latency:g}s is not a bucket edge of service {service!r} ({edges}); the p95 estimate is interpolated")
