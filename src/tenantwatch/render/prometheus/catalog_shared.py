"""Alert definitions every tenant gets whatever its services: containers, volumes, network,
security and business signals (tenant-level where no single service is at fault)."""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus import labels
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import PCT, TS
from tenantwatch.render.prometheus.probes import Level, Usage
from tenantwatch.render.prometheus.probes_shaped import Shift
from tenantwatch.render.prometheus.recording import Recorder


def container_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    pvc = {"persistentvolumeclaim": "data"}
    return [
        AlertDef(
            c.ALERT_CONTAINER_CPU, "saturation", "warning", r.name(c.CONTAINER_CPU_LIMIT_RATIO), TS,
            "{service} CPU near its limit for tenant {tenant}",
            "A {service} container of tenant {tenant} uses {value} of its CPU limit; objective {objective}.",
            Usage("container_cpu_usage_seconds_total", "kube_pod_container_resource_limits", limit_extra={"resource": "cpu"},
                  relabel=labels.container, capacity=2, usage_is_counter=True),
            objective="cpu_saturation", cap=1.0, formats=PCT, hold=900, settle=t.window(300),
        ),
        AlertDef(
            c.ALERT_CONTAINER_MEMORY, "saturation", "critical", r.name(c.CONTAINER_MEMORY_LIMIT_RATIO), TS,
            "{service} memory near its limit for tenant {tenant}",
            "A {service} container of tenant {tenant} uses {value} of its memory limit; objective {objective}.",
            Usage("container_memory_working_set_bytes", "kube_pod_container_resource_limits", limit_extra={"resource": "memory"},
                  relabel=labels.container, capacity=2**30),
            objective="memory_saturation", cap=1.0, formats=PCT, hold=300,
        ),
        AlertDef(
            c.ALERT_CONTAINER_RESTARTS, "availability", "warning", r.name(c.CONTAINER_RESTARTS), TS,
            "{service} containers restarting for tenant {tenant}",
            f"{{service}} containers of tenant {{tenant}} restarted {{value}} times in the last {t.w(3600)}; objective {{objective}} per hour.",
            Level("kube_pod_container_status_restarts_total", relabel=labels.container, per=t.window(3600), counting=True),
            objective="restarts_per_hour", hold=300, settle=t.window(3600),
        ),
        AlertDef(
            c.ALERT_VOLUME_USAGE, "saturation", "critical", r.name(c.VOLUME_USAGE_RATIO), ("tenant", "persistentvolumeclaim"),
            "Volume {persistentvolumeclaim} almost full for tenant {tenant}",
            "Volume {persistentvolumeclaim} of tenant {tenant} is {value} full; objective {objective}.",
            Usage("kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes", relabel=labels.namespaced,
                  capacity=1e10, free_instead=True),
            objective="volume_usage", cap=1.0, formats=PCT, hold=300, sample_labels=pvc,
        ),
        AlertDef(
            c.ALERT_NETWORK_DROPS, "saturation", "warning", r.name(c.NETWORK_DROPS_RATE), ("tenant",),
            "Network packet drops for tenant {tenant}",
            "Pods of tenant {tenant} drop {value} received packets per second; objective {objective}.",
            Level("container_network_receive_packets_dropped_total", relabel=labels.network, counting=True),
            objective="network_drops_per_second", hold=600, settle=t.window(300),
        ),
    ]


def security_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    return [
        AlertDef(
            c.ALERT_AUTH_FAILURES, "security", "warning", f"{r.name(c.AUTH_FAILURE_RATE)} * 60", ("tenant",),
            "Burst of failed logins for tenant {tenant}",
            "Tenant {tenant} sees {value} failed authentications per minute; objective {objective}.",
            Level("auth_attempts_total", extra={"outcome": "failure"}, per=60, counting=True),
            objective="auth_failures_per_minute", hold=120, settle=t.window(300),
        ),
        AlertDef(
            c.ALERT_SECURITY_EVENT, "security", "critical", r.name(c.SECURITY_EVENTS), ("tenant", "kind"),
            "Security event {kind} for tenant {tenant}",
            f"Tenant {{tenant}} had {{value}} {{kind}} security events in the last {t.w(300)} (alert above {{objective}}).",
            Level("security_events_total", per=t.window(300), counting=True), threshold=0.0, bad=3.0, good=0.0,
            hold=0, settle=t.window(300), sample_labels={"kind": "intrusion"},
        ),
    ]


def business_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    ratio, sessions = r.name(c.BUSINESS_CONVERSION_RATIO), r.name(c.BUSINESS_SESSION_RATE)
    earlier = t.w(3600)
    return [
        AlertDef(
            c.ALERT_CONVERSION_COLLAPSE, "business", "warning", f"(1 - {ratio} / ({ratio} offset {earlier}))", ("tenant",),
            "Conversions collapsed for tenant {tenant}",
            f"The conversion rate of tenant {{tenant}} fell by {{value}} against {earlier} ago while sessions continue; objective: alert above {{objective}}.",
            Shift("business_conversions_total", before=1.0, extra={"funnel": "checkout"}, drop=True,
                  steady=(("business_sessions_total", {}, 10.0),)),
            objective="conversion_drop", cap=1.0, formats=PCT, hold=900,
            guard=f"and on(tenant) {sessions} > 0.1 and on(tenant) {sessions} > 0.5 * ({sessions} offset {earlier})",
            history=t.window(3600) + t.window(1800), settle=t.window(1800),
        ),
    ]
