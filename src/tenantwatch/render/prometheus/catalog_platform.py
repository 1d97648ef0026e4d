"""Shared infrastructure and the pipeline itself: nodes, the engine, and the Watchdog.

These alerts carry `tenant="platform"` (a static rule label): no tenant owns a node or
the engine, and the Watchdog proves alerts still flow end to end.
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import PCT
from tenantwatch.render.prometheus.probes import Level, Usage
from tenantwatch.render.prometheus.probes_shaped import Heartbeat, Silent
from tenantwatch.render.prometheus.recording import Recorder

PLATFORM = {c.TENANT: c.PLATFORM_TENANT}
NODE_FS = 'fstype!~"tmpfs|overlay|squashfs"'
HEARTBEAT_MIN_AGE = 60.0  # the engine's scheduler ticks on its own clock, even in the fast profile
# `up` of the engine is absent until its first scrape, which reads as down: hold for a few
# scrapes, so a Prometheus that just started does not page (and then resolve) an engine that is fine.
FIRST_SCRAPES = 3

INTAKE_BACKLOG_LIMIT = 500.0  # webhook requests waiting in the intake log (normally 0)
# A notification still waiting after this long means its channel is down (a healthy one takes
# it within a pass); the age grows for the whole outage, unlike the failure rate between retries.
NOTIFICATIONS_STUCK_AFTER = 900.0


def node_alerts(r: Recorder) -> list[AlertDef]:
    t = r.t
    avail, size = f"node_filesystem_avail_bytes{{{NODE_FS}}}", f"node_filesystem_size_bytes{{{NODE_FS}}}"
    fs_by = "by (instance, mountpoint)"
    return [
        AlertDef(
            c.ALERT_NODE_FILESYSTEM, "saturation", "critical", f"(1 - max {fs_by} ({avail}) / max {fs_by} ({size}))",
            ("instance", "mountpoint"),
            "Node {instance} filesystem {mountpoint} almost full",
            "Filesystem {mountpoint} on node {instance} is {value} full (alert above {objective}).",
            Usage("node_filesystem_avail_bytes", "node_filesystem_size_bytes", usage_extra={"fstype": "ext4"},
                  limit_extra={"fstype": "ext4"}, capacity=1e11, free_instead=True),
            threshold=0.9, bad=0.95, good=0.5, formats=PCT, hold=300, static_labels=PLATFORM,
            sample_labels={"instance": "node-1:9100", "mountpoint": "/"}, board="infrastructure",
        ),
        AlertDef(
            c.ALERT_NODE_CPU, "saturation", "warning",
            f'(1 - avg by (instance) (rate(node_cpu_seconds_total{{mode="idle"}}[{t.w(300)}])))', ("instance",),
            "Node {instance} CPU busy",
            f"Node {{instance}} CPUs are {{value}} busy over {t.w(300)} (alert above {{objective}}).",
            Level("node_cpu_seconds_total", extra={"mode": "idle", "cpu": "0"}, counting=True, complement=True),
            threshold=0.9, bad=0.95, good=0.5, formats=PCT, hold=900, settle=t.window(300),
            static_labels=PLATFORM, sample_labels={"instance": "node-1:9100"}, board="infrastructure",
        ),
    ]


def pipeline_alerts(r: Recorder) -> list[AlertDef]:
    """The Watchdog always; the engine's self-monitoring when alerts go to the engine."""
    t = r.t
    watchdog = AlertDef(
        c.WATCHDOG, "", c.WATCHDOG_SEVERITY, "vector(1)", (),
        "Alerting pipeline is alive",
        "This alert always fires. If it stops arriving, the path from Prometheus to its receiver is broken.",
        Silent(), expr="vector(1)", bad=1.0, hold=0, static_labels=PLATFORM,
    )
    if r.spec.alert_delivery != "engine":
        return [watchdog]
    job = f'up{{job="{c.ENGINE_JOB}"}}'
    stale_after = max(t.hold(600), HEARTBEAT_MIN_AGE)
    return [
        watchdog,
        AlertDef(
            c.ALERT_ENGINE_DOWN, "availability", "critical", f"(max({job}) or vector(0))", (),
            "tenantwatch engine is down",
            "Prometheus cannot scrape the tenantwatch engine (up = {value}); alerts are not turned into incidents.",
            Level("up", extra={"job": c.ENGINE_JOB, "instance": "engine:8080"}), op="<", threshold=0.5,
            bad=0.0, good=1.0, hold=max(120.0, t.factor * FIRST_SCRAPES * t.scrape_interval), static_labels=PLATFORM,
        ),
        AlertDef(
            c.ALERT_ENGINE_INTAKE_ERRORS, "errors", "warning", f"sum(rate({c.ENGINE_INTAKE_ERRORS}[{t.w(300)}]))", (),
            "tenantwatch engine rejects alerts",
            "The engine fails {value} alert deliveries per second (alert above {objective}).",
            Level(c.ENGINE_INTAKE_ERRORS, extra={"reason": "invalid"}, counting=True), threshold=0.0,
            bad=0.5, good=0.0, hold=300, settle=t.window(300), static_labels=PLATFORM,
        ),
        AlertDef(
            c.ALERT_ENGINE_NOTIFICATIONS_FAILING, "errors", "critical",
            f'sum by (channel) (rate({c.ENGINE_NOTIFICATIONS}{{outcome="failed"}}[{t.w(300)}]))', ("channel",),
            "Notifications to {channel} are failing",
            "The engine fails {value} notifications per second to channel {channel} (alert above {objective}).",
            Level(c.ENGINE_NOTIFICATIONS, extra={"outcome": "failed"}, counting=True), threshold=0.0,
            bad=0.5, good=0.0, hold=300, settle=t.window(300), static_labels=PLATFORM,
            sample_labels={"channel": "slack-alerts"},
        ),
        AlertDef(
            c.ALERT_ENGINE_SCHEDULER_STALE, "availability", "warning", f"(time() - max({c.ENGINE_SCHEDULER_HEARTBEAT}))", (),
            "tenantwatch scheduler stopped",
            "The engine's scheduler last ran {value} ago (alert above {objective}); escalations are not advancing.",
            Heartbeat(c.ENGINE_SCHEDULER_HEARTBEAT), threshold=stale_after, bad=2 * stale_after, good=0.0,
            formats=("humanizeDuration", "humanizeDuration"), hold=120, settle=2 * stale_after, static_labels=PLATFORM,
        ),
        AlertDef(
            c.ALERT_ENGINE_INTAKE_BACKLOG, "saturation", "warning", f"max({c.ENGINE_INTAKE_BACKLOG})", (),
            "tenantwatch engine is behind on alerts",
            "{value} webhook requests are on disk but not yet turned into incidents (alert above {objective}); "
            "the engine accepts alerts faster than it processes them.",
            Level(c.ENGINE_INTAKE_BACKLOG), threshold=INTAKE_BACKLOG_LIMIT, bad=10 * INTAKE_BACKLOG_LIMIT, good=0.0,
            hold=300, static_labels=PLATFORM,
        ),
        AlertDef(
            c.ALERT_ENGINE_NOTIFICATIONS_STUCK, "errors", "critical",
            f"max by (channel) ({c.ENGINE_NOTIFICATIONS_OLDEST_PENDING})", ("channel",),
            "Notifications to {channel} are stuck",
            "The oldest notification waiting for channel {channel} was queued {value} ago (alert above {objective}); "
            "the engine keeps retrying until the channel takes it.",
            Level(c.ENGINE_NOTIFICATIONS_OLDEST_PENDING), threshold=NOTIFICATIONS_STUCK_AFTER,
            bad=4 * NOTIFICATIONS_STUCK_AFTER, good=0.0, formats=("humanizeDuration", "humanizeDuration"),
            hold=60, static_labels=PLATFORM, sample_labels={"channel": "slack-alerts"},
        ),
    ]
