"""Checks of `services`: ids, dependencies, histogram buckets, where a service runs (its
namespace, volumes, routes) and its scrape targets."""

from __future__ import annotations

import re
from typing import Iterator

from tenantwatch.conventions import BUILTIN_SCRAPE_JOBS
from tenantwatch.spec.checks.registry import Sections, check, error, names, unknown, warning
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.models import Service
from tenantwatch.spec.re2 import re2_problem
from tenantwatch.spec.units import id_problem, is_host_port, label_problem

HANDLER_PATH = re.compile(r'/[^\s"\\]*')  # the `handler` label of an HTTP route, as it goes into PromQL


@check("services")
def _service_ids(s: Sections) -> Iterator[Issue]:
    for name in s["services"]:
        if problem := id_problem(name):
            yield error(("services", name), f"invalid service id: {problem}")
        elif name in BUILTIN_SCRAPE_JOBS:
            yield error(("services", name), f"invalid service id: {name!r} is the name of a built-in scrape job")


@check("services")
def _dependencies(s: Sections) -> Iterator[Issue]:
    services: dict[str, Service] = s["services"]
    for name, svc in services.items():
        for i, dep in enumerate(svc.depends_on):
            if dep not in names(s, "services"):
                yield error(("services", name, "depends_on", i), unknown("service", dep, names(s, "services")))
            elif dep == name:
                yield error(("services", name, "depends_on", i), "a service cannot depend on itself")
    if cycle := _find_cycle({n: [d for d in v.depends_on if d in services and d != n] for n, v in services.items()}):
        yield error(("services", cycle[0], "depends_on"), "dependency cycle: " + " -> ".join(cycle))


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """The first cycle found by depth-first search, as a closed path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


@check("services")
def _buckets(s: Sections) -> Iterator[Issue]:
    for name, svc in s["services"].items():
        if svc.buckets is None:
            continue
        if svc.kind not in ("http", "model"):
            yield error(("services", name, "buckets"), f"buckets apply to http and model services, not {svc.kind}")
        if any(b <= 0 for b in svc.buckets) or list(svc.buckets) != sorted(set(svc.buckets)):
            yield error(("services", name, "buckets"), "buckets must be positive, strictly increasing seconds")


@check("services")
def _placement(s: Sections) -> Iterator[Issue]:
    """What ends up in selectors: the namespace, the volume-claim patterns, the route handlers."""
    for name, svc in s["services"].items():
        path = ("services", name)
        if problem := label_problem(svc.namespace):
            yield error((*path, "namespace"), f"invalid namespace: {problem}")
        for i, pattern in enumerate(svc.volumes or []):
            if problem := ("an empty pattern matches no volume claim" if not pattern else re2_problem(pattern)):
                yield error((*path, "volumes", i), problem)
        if svc.routes and svc.kind != "http":
            yield error((*path, "routes"), f"routes apply to http services, not {svc.kind}")
        for handler in svc.routes:
            if not HANDLER_PATH.fullmatch(handler):
                yield error((*path, "routes", handler),
                            f"expected a handler path like /checkout (the `handler` label), got {handler!r}")


@check("discovery", "services")
def _static_targets(s: Sections) -> Iterator[Issue]:
    if s["discovery"] != "static":
        return
    for name, svc in s["services"].items():
        if not svc.targets and not svc.tenant_targets:
            yield warning(("services", name, "targets"),
                          "discovery is static but the service lists no targets (host:port); it will not be scraped")


@check("services")
def _target_addresses(s: Sections) -> Iterator[Issue]:
    for name, svc in s["services"].items():
        for i, target in enumerate(svc.targets):
            if not is_host_port(target):
                yield error(("services", name, "targets", i), f"expected host:port like 10.0.0.5:9187, got {target!r}")
        for tenant, targets in svc.tenant_targets.items():
            for i, target in enumerate(targets):
                if not is_host_port(target):
                    yield error(("services", name, "tenant_targets", tenant, i),
                                f"expected host:port like 10.0.0.5:8000, got {target!r}")


@check("services", "tenants")
def _tenant_targets(s: Sections) -> Iterator[Issue]:
    known = names(s, "tenants")
    for name, svc in s["services"].items():
        if svc.tenant_targets and svc.shared:
            yield error(("services", name, "tenant_targets"),
                        "a shared service is one deployment for every tenant: list its targets under targets")
            continue
        for tenant in svc.tenant_targets:
            if tenant not in known:
                yield error(("services", name, "tenant_targets", tenant), unknown("tenant", tenant, known))
