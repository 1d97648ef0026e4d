"""Alert definitions over the pods of every service: containers, volumes and network.

Pods of shared services (no tenant: they do not live in a tenant's namespace) are judged
as the platform, like every other shared signal.
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus import labels
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import PCT, TS
from tenantwatch.render.prometheus.probes import Level, Usage
from tenantwatch.render.prometheus.recording import Recorder

PODS = {"board": "infrastructure", "shared_too": True}


def container_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    return [
        AlertDef(
            c.ALERT_CONTAINER_CPU, "saturation", "warning", r.name(c.CONTAINER_CPU_LIMIT_RATIO), TS,
            "{service} CPU near its limit for tenant {tenant}",
            "A {service} container of tenant {tenant} uses {value} of its CPU limit; objective {objective}.",
            Usage("container_cpu_usage_seconds_total", "kube_pod_container_resource_limits", limit_extra={"resource": "cpu"},
                  relabel=labels.container, capacity=2, usage_is_counter=True),
            objective="cpu_saturation", cap=1.0, formats=PCT, hold=900, settle=t.window(300), **PODS,
        ),
        AlertDef(
            c.ALERT_CONTAINER_MEMORY, "saturation", "critical", r.name(c.CONTAINER_MEMORY_LIMIT_RATIO), TS,
            "{service} memory near its limit for tenant {tenant}",
            "A {service} container of tenant {tenant} uses {value} of its memory limit; objective {objective}.",
            Usage("container_memory_working_set_bytes", "kube_pod_container_resource_limits", limit_extra={"resource": "memory"},
                  relabel=labels.container, capacity=2**30),
            objective="memory_saturation", cap=1.0, formats=PCT, hold=300, **PODS,
        ),
        AlertDef(
            c.ALERT_CONTAINER_RESTARTS, "availability", "warning", r.name(c.CONTAINER_RESTARTS), TS,
            "{service} containers restarting for tenant {tenant}",
            f"{{service}} containers of tenant {{tenant}} restarted {{value}} times in the last {t.w(3600)}; objective {{objective}} per hour.",
            Level("kube_pod_container_status_restarts_total", relabel=labels.container, per=t.window(3600), counting=True),
            objective="restarts_per_hour", hold=300, settle=t.window(3600), **PODS,
        ),
        AlertDef(
            c.ALERT_VOLUME_USAGE, "saturation", "critical", r.name(c.VOLUME_USAGE_RATIO), (*TS, "persistentvolumeclaim"),
            "Volume {persistentvolumeclaim} of {service} almost full for tenant {tenant}",
            "Volume {persistentvolumeclaim} of {service} for tenant {tenant} is {value} full; objective {objective}.",
            Usage("kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes", relabel=labels.namespaced,
                  capacity=1e10, free_instead=True),
            objective="volume_usage", cap=1.0, formats=PCT, hold=300, **PODS,
        ),
        AlertDef(
            c.ALERT_NETWORK_DROPS, "saturation", "warning", r.name(c.NETWORK_DROPS_RATE), ("tenant",),
            "Network packet drops for tenant {tenant}",
            "Pods of tenant {tenant} drop {value} received packets per second; objective {objective}.",
            Level("container_network_receive_packets_dropped_total", relabel=labels.network, counting=True),
            objective="network_drops_per_second", hold=600, settle=t.window(300), **PODS,
        ),
    ]
