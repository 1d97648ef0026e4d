"""Predictive and anomaly alerts (spec.intelligent_alerts): catching trouble before the
threshold, and changes no fixed threshold sees.

Predictions use the usage trend (deriv) rather than predict_linear with a fixed horizon,
because the horizon is a per-tenant objective: the signal is "seconds until the limit",
compared with the tenant's prediction_horizon through the objective join.
Anomalies are z-scores of recorded 5m signals against their own last day.
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus import labels
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import MIN_RPS, TS
from tenantwatch.render.prometheus.labels import HTTP_EXTRA
from tenantwatch.render.prometheus.probes_shaped import Shift, Trend
from tenantwatch.render.prometheus.recording import Recorder, matcher, owned, services_of
from tenantwatch.render.prometheus.recording_workloads import IDS, Workloads

DUR = ("humanizeDuration", "humanizeDuration")
Z_LIMIT = 3
Z_FLOOR = 0.1  # stddev never counts below 10% of the mean: a near-flat series is not "anomalous" on noise
TREND_WINDOW = 3600.0
BASELINE = 86400.0
TEST_HISTORY_SHARE = 24  # tests keep the changed part of the baseline under ~1/24 (z stays > 3)


def _until(r: Recorder, name: str, summary: str, what: str, seconds_left: str, probe: Trend, by=TS, kind=None, **kw) -> AlertDef:
    scope = "{service} for tenant {tenant}" if "service" in by else "tenant {tenant}"
    return AlertDef(
        name, "predictive", "warning", seconds_left, by, summary,
        f"At the current trend {what} of {scope} reaches its limit in {{value}}; prediction horizon {{objective}}.",
        probe, objective="prediction_horizon", op="<", formats=DUR, kind=kind, hold=600,
        settle=r.t.window(TREND_WINDOW), trending=True, board="infrastructure", shared_too=True, **kw,
    )


def predictive_alerts(r: Recorder) -> list[AlertDef]:
    if not r.spec.intelligent_alerts.predictive:
        return []
    w = r.t.w(TREND_WINDOW)
    pods = Workloads(r)
    free = "kubelet_volume_stats_available_bytes"

    def seconds_until_full(sel: str) -> str:
        return f"({free}{{{sel}}} / (-deriv({free}{{{sel}}}[{w}]) > 0))"

    memory_limits = pods.pods("kube_pod_container_resource_limits", extra='resource="memory"')
    limits = f"sum by ({IDS}) ({memory_limits})"
    working_set = f"sum by ({IDS}) ({pods.pods('container_memory_working_set_bytes')})"
    growth = f"sum by ({IDS}) ({pods.pods('container_memory_working_set_bytes', lambda s: f'deriv({s}[{w}])')})"
    out = [
        _until(r, c.ALERT_PREDICT_VOLUME, "Volume {persistentvolumeclaim} of {service} fills soon for tenant {tenant}",
               "volume {persistentvolumeclaim}",
               f"min by (tenant, service, persistentvolumeclaim) ({pods.claims(seconds_until_full)})",
               Trend(free, "kubelet_volume_stats_capacity_bytes", relabel=labels.namespaced, falling_free=True),
               by=(*TS, "persistentvolumeclaim")),
        _until(r, c.ALERT_PREDICT_CONTAINER_MEMORY, "{service} memory reaches its limit soon for tenant {tenant}", "container memory",
               f"min by (tenant, service) ({pods.service_from_container(f'({limits} - {working_set}) / ({growth} > 0)')})",
               Trend("container_memory_working_set_bytes", "kube_pod_container_resource_limits", limit_extra={"resource": "memory"},
                     relabel=labels.container)),
    ]
    by = "by (tenant, service)"
    if services_of(r.spec, "postgres"):
        sel = matcher(services_of(r.spec, "postgres"))
        used = f"sum {by} ({owned(f'pg_stat_activity_count{{{sel}}}')})"
        limit = f"max {by} ({owned(f'pg_settings_max_connections{{{sel}}}')})"
        rising = f"sum {by} ({owned(f'deriv(pg_stat_activity_count{{{sel}}}[{w}])')})"
        out.append(_until(r, c.ALERT_PREDICT_PG_CONNECTIONS, "{service} runs out of connections soon for tenant {tenant}", "connections",
                          f"({limit} - {used}) / ({rising} > 0)",
                          Trend("pg_stat_activity_count", "pg_settings_max_connections", extra={"datname": "app"}), kind="postgres"))
    if services_of(r.spec, "redis"):
        sel = matcher(services_of(r.spec, "redis"))
        limit = f"max {by} ({owned(f'redis_memory_max_bytes{{{sel}}}')} > 0)"
        used = f"max {by} ({owned(f'redis_memory_used_bytes{{{sel}}}')})"
        rising = f"max {by} ({owned(f'deriv(redis_memory_used_bytes{{{sel}}}[{w}])')})"
        out.append(_until(r, c.ALERT_PREDICT_REDIS_MEMORY, "{service} memory reaches maxmemory soon for tenant {tenant}", "memory",
                          f"({limit} - {used}) / ({rising} > 0)",
                          Trend("redis_memory_used_bytes", "redis_memory_max_bytes"), kind="redis"))
    return out


def zscore_rules(r: Recorder) -> list[dict]:
    """(x - mean) / (stddev + 10% of |mean|) of each watched signal over the last day."""
    if not r.spec.intelligent_alerts.machine_learning or not services_of(r.spec, "http"):
        return []
    w = r.t.w(BASELINE)
    rules = []
    for suffix in _watched(r):
        x = r.name(suffix)
        mean = f"avg_over_time({x}[{w}])"
        rules.append({"record": r.name(c.zscore(suffix)), "expr": f"({x} - {mean}) / (stddev_over_time({x}[{w}]) + {Z_FLOOR} * abs({mean}))"})
    return rules


def _watched(r: Recorder) -> list[str]:
    return [c.HTTP_REQUEST_RATE, c.HTTP_LATENCY_MEAN, c.http_error_ratio("5m")]


def anomaly_alerts(r: Recorder) -> list[AlertDef]:
    if not zscore_rules(r):
        return []
    w = r.t.w(BASELINE)
    busy = f"and on(tenant, service) avg_over_time({r.name(c.HTTP_REQUEST_RATE)}[{w}]) > {MIN_RPS}"
    ok, failed = {**HTTP_EXTRA, "code": "200"}, {**HTTP_EXTRA, "code": "500"}
    traffic, latency, errors = _watched(r)
    probes = {
        traffic: (Shift("http_requests_total", before=10.0, extra=ok), 100.0, 10.0, "humanize", "requests/s"),
        latency: (Shift("http_request_duration_seconds_sum", before=0.1, per=10.0,
                                    steady=(("http_request_duration_seconds_count", {}, 10.0), ("http_requests_total", ok, 10.0))),
                              1.0, 0.1, "humanizeDuration", "mean latency"),
        errors: (Shift("http_requests_total", before=0.01, per=10.0, extra=failed, complement=ok), 0.5, 0.01,
                                   "humanizePercentage", "error ratio"),
    }
    names = {traffic: c.ALERT_ANOMALY_TRAFFIC, latency: c.ALERT_ANOMALY_LATENCY, errors: c.ALERT_ANOMALY_ERRORS}
    settle, hold = r.t.window(300), 600.0
    history = min(r.t.window(BASELINE), TEST_HISTORY_SHARE * (settle + r.t.hold(hold)))
    out = []
    for suffix in _watched(r):
        probe, bad, good, fmt, what = probes[suffix]
        signal = r.name(suffix)
        out.append(AlertDef(
            names[suffix], "anomaly", "warning", signal, TS,
            f"{{service}} {what} is anomalous for tenant {{tenant}}",
            f"{{service}} {what} for tenant {{tenant}} is {{value}}, more than {Z_LIMIT} standard deviations from its last {w}.",
            probe, expr=f"{signal} and on(tenant, service) (abs({r.name(c.zscore(suffix))}) > {Z_LIMIT}) {busy}",
            bad=bad, good=good, formats=(fmt, fmt), kind="http", hold=hold, history=history, settle=settle, board="api",
        ))
    return out
