"""Recording rules over the pods of every service: containers (cAdvisor, kube-state-metrics),
volumes (kubelet) and network, per (tenant, service).

The tenant comes from the pod's namespace (`tenant-<id>`, relabelled at scrape time). Pods
of shared services live in other namespaces and have no tenant: they are recorded as
tenant="platform", and only they are (a kube-system pod belongs to no service of the spec).
The service comes from the container name, and for volumes from the service's claim
patterns (`services.<name>.volumes`).
"""

from __future__ import annotations

from typing import Callable

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.recording import Recorder, owned, promql_string

IDS = "tenant, namespace, pod, container"
REAL = 'container!="", container!="POD"'
BY = "by (tenant, service)"


def _alternation(values: list[str]) -> str:
    return "|".join(values)


class Workloads:
    """Container, volume and network rules of one spec."""

    def __init__(self, recorder: Recorder) -> None:
        self.r, self.t, self.spec = recorder, recorder.t, recorder.spec
        self.shared = [s.workload(name) for name, s in self.spec.services.items() if s.shared]

    def pods(self, metric: str, wrap: Callable[[str], str] = lambda sel: sel, extra: str = REAL,
              shared_by: str = "container") -> str:
        """`metric` of tenants' pods, or also of shared services' pods (as the platform)."""
        tenants = wrap(f'{metric}{{{extra}, tenant!=""}}')
        if not self.shared:
            return tenants
        if shared_by == "pod":
            pods = f'pod=~"({_alternation(self.shared)})-.*"'
        else:
            pods = f'container=~"{_alternation(self.shared)}"'
        platform = owned(wrap('%s{%s, tenant="", %s}' % (metric, extra, pods)))
        return f"({tenants} or {platform})"

    def service_from_container(self, expr: str) -> str:
        """service = the container's name, or the spec's name of a service deployed under another."""
        out = f'label_replace({expr}, "service", "$1", "container", "(.+)")'
        for name, service in self.spec.services.items():
            if service.workload(name) != name:
                out = f'label_replace({out}, "service", "{name}", "container", {promql_string(service.workload(name))})'
        return out

    def containers(self) -> list[dict]:
        w5 = self.t.w(300)
        cpu = f"sum by ({IDS}) ({self.pods('container_cpu_usage_seconds_total', lambda s: f'rate({s}[{w5}])')})"
        memory = f"sum by ({IDS}) ({self.pods('container_memory_working_set_bytes')})"

        def limit_ratio(usage: str, resource: str) -> str:
            limits = self.pods("kube_pod_container_resource_limits", extra=f'resource="{resource}"')
            return f"max {BY} ({self.service_from_container(f'{usage} / on({IDS}) (sum by ({IDS}) ({limits}) > 0)')})"

        def per_service(expr: str) -> str:
            return f"sum {BY} ({self.service_from_container(expr)})"

        restarts = self.pods("kube_pod_container_status_restarts_total",
                              lambda s: f"increase({s}[{self.t.w(3600)}])", extra='container!=""')
        return [
            self.r.rule(c.CONTAINER_CPU_RATE, per_service(cpu)),
            self.r.rule(c.CONTAINER_CPU_LIMIT_RATIO, limit_ratio(cpu, "cpu")),
            self.r.rule(c.CONTAINER_MEMORY_BYTES, per_service(memory)),
            self.r.rule(c.CONTAINER_MEMORY_LIMIT_RATIO, limit_ratio(memory, "memory")),
            self.r.rule(c.CONTAINER_RESTARTS, per_service(f"sum by ({IDS}) ({restarts})")),
            self.r.rule(c.VOLUME_USAGE_RATIO, self.volume_usage()),
            *self.network(),
        ]

    def _service_from_claim(self, expr: str) -> str:
        """service = the first service (in spec order) whose claim patterns match the claim."""
        for name in reversed(list(self.spec.services)):
            patterns = _alternation(self.spec.services[name].volume_patterns(name))
            expr = f'label_replace({expr}, "service", "{name}", "persistentvolumeclaim", {promql_string(patterns)})'
        return expr

    def claims(self, build: Callable[[str], str]) -> str:
        """`build(matchers)` over the claims of tenants, or of shared services (as the platform),
        with the service each claim belongs to."""
        expr = build('tenant!=""')
        shared = [p for name, s in self.spec.services.items() if s.shared for p in s.volume_patterns(name)]
        if shared:
            platform = owned(build('tenant="", persistentvolumeclaim=~%s' % promql_string(_alternation(shared))))
            expr = f"({expr} or {platform})"
        return self._service_from_claim(expr)

    def volume_usage(self) -> str:
        def used(sel: str) -> str:
            return (f"(1 - kubelet_volume_stats_available_bytes{{{sel}}}"
                    f" / kubelet_volume_stats_capacity_bytes{{{sel}}})")

        return f"max by (tenant, service, persistentvolumeclaim) ({self.claims(used)})"

    def network(self) -> list[dict]:
        w5 = self.t.w(300)

        def rate(metric: str) -> str:
            pods = self.pods(metric, lambda s: f"rate({s}[{w5}])", extra='interface!=""', shared_by="pod")
            return f"sum by (tenant) ({pods})"

        return [
            self.r.rule(c.NETWORK_DROPS_RATE, rate("container_network_receive_packets_dropped_total")),
            self.r.rule(c.NETWORK_RECEIVE_RATE, rate("container_network_receive_bytes_total")),
            self.r.rule(c.NETWORK_TRANSMIT_RATE, rate("container_network_transmit_bytes_total")),
        ]
