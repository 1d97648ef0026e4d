"""How alert labels map back to input-series labels in generated tests.

Container, volume and network series carry `namespace`/`pod`; the tenant comes from
relabelling and the service from the `container` label, so a probe for "tenant t,
service s" writes the series an exporter would (tenant label already relabelled).
"""

from __future__ import annotations

from tenantwatch import conventions
from tenantwatch.render.prometheus.probes import Labels

HTTP_EXTRA = {"handler": "/api", "method": "GET"}


def container(labels: Labels) -> Labels:
    service = labels.get("service", "app")
    return {
        "tenant": labels["tenant"],
        "namespace": conventions.namespace_of(labels["tenant"]),
        "pod": f"{service}-0",
        "container": service,
    }


def namespaced(labels: Labels) -> Labels:
    return {**labels, "namespace": conventions.namespace_of(labels["tenant"])}


def network(labels: Labels) -> Labels:
    return {**namespaced(labels), "pod": "app-0", "interface": "eth0"}
