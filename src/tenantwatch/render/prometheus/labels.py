"""How alert labels map back to input-series labels in generated tests.

Container, volume and network series carry `namespace`/`pod`; the tenant comes from
relabelling and the service from the `container` label, so a probe for "tenant t,
service s" writes the series an exporter would (tenant label already relabelled). A
shared service's pods have no tenant: they live in the service's own namespace. The test
writer passes that namespace and the workload name as private `__` keys, which selectors
never print.
"""

from __future__ import annotations

from tenantwatch import conventions
from tenantwatch.render.prometheus.probes import Labels

HTTP_EXTRA = {"handler": "/api", "method": "GET"}
NAMESPACE = "__namespace"  # a shared service's namespace (tenants' pods: tenant-<id>)
WORKLOAD = "__workload"  # the service's Deployment/container name


def _namespace(labels: Labels) -> str:
    tenant = labels.get("tenant")
    return conventions.namespace_of(tenant) if tenant else labels[NAMESPACE]


def _workload(labels: Labels) -> str:
    return labels.get(WORKLOAD) or labels.get("service", "app")


def container(labels: Labels) -> Labels:
    workload = _workload(labels)
    out = {"namespace": _namespace(labels), "pod": f"{workload}-0", "container": workload}
    return {"tenant": labels["tenant"], **out} if labels.get("tenant") else out


def namespaced(labels: Labels) -> Labels:
    return {**labels, "namespace": _namespace(labels)}


def network(labels: Labels) -> Labels:
    return {**namespaced(labels), "pod": f"{_workload(labels)}-0", "interface": "eth0"}
