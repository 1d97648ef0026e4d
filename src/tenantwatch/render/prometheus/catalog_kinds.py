"""Alert definitions per service kind (http, postgres, redis, worker, model) and `up`."""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.labels import HTTP_EXTRA
from tenantwatch.render.prometheus.probes import Level, Share, Usage
from tenantwatch.render.prometheus.probes_shaped import Histogram, Presence, Shift
from tenantwatch.render.prometheus.recording import Recorder, services_of

TS = ("tenant", "service")
PCT = ("humanizePercentage", "humanizePercentage")
DUR = ("humanizeDuration", "humanizeDuration")
MIN_RPS = 1  # throughput checks ignore services quieter than this (requests/s)


def http_alerts(r: Recorder) -> list[AlertDef]:
    services = services_of(r.spec, "http")
    if not services:
        return []
    t, p95, rate = r.t, r.name(c.HTTP_LATENCY_P95), r.name(c.HTTP_REQUEST_RATE)
    earlier = f"({rate} offset {t.w(3600)})"
    histogram = Histogram("http_request_duration_seconds", r.spec.services[services[0]].latency_buckets)
    ok = {**HTTP_EXTRA, "code": "200"}
    return [
        AlertDef(
            c.ALERT_API_LATENCY, "latency", "warning", p95, TS,
            "{service} p95 latency above objective for tenant {tenant}",
            f"p95 latency of {{service}} for tenant {{tenant}} is {{value}} over {t.w(300)}; objective {{objective}}.",
            histogram, objective="latency_p95", formats=DUR, kind="http", hold=600, settle=t.window(300),
        ),
        AlertDef(
            c.ALERT_API_ERRORS, "errors", "warning", r.name(c.http_error_ratio(t.w(300))), TS,
            "{service} error rate above objective for tenant {tenant}",
            f"{{value}} of {{service}} requests for tenant {{tenant}} failed with 5xx over {t.w(300)}; objective {{objective}}.",
            Share("http_requests_total", {**HTTP_EXTRA, "code": "500"}, ok), objective="error_rate",
            cap=1.0, formats=PCT, kind="http", hold=300, settle=t.window(300),
        ),
        AlertDef(
            c.ALERT_API_THROUGHPUT_DROP, "availability", "warning", f"(1 - {rate} / {earlier})", TS,
            "{service} traffic dropped for tenant {tenant}",
            f"{{service}} receives {{value}} fewer requests for tenant {{tenant}} than {t.w(3600)} ago; objective: alert above {{objective}}.",
            Shift("http_requests_total", before=10.0, extra=ok, drop=True), objective="throughput_drop",
            cap=1.0, formats=PCT, kind="http", hold=600, guard=f"and on(tenant, service) {earlier} > {MIN_RPS}",
            history=t.window(3600) + t.window(300), settle=t.window(300),
        ),
    ]


def up_alerts(r: Recorder) -> list[AlertDef]:
    """Hard down (`up == 0` on every target) and silence (series gone) for every kind."""
    t = r.t
    up = 'up{tenant!="", service!=""}'
    return [
        AlertDef(
            c.ALERT_SERVICE_DOWN, "availability", "critical", f"max by (tenant, service) ({up})", TS,
            "{service} is down for tenant {tenant}",
            "Every target of {service} for tenant {tenant} fails its scrape (up = {value}).",
            Level("up", extra={"job": "app"}), op="<", threshold=0.5, bad=0.0, good=1.0, hold=120,
        ),
        AlertDef(
            c.ALERT_SERVICE_ABSENT, "availability", "warning",
            f"group by (tenant, service) (max_over_time({up}[{t.w(3600)}]))", TS,
            "{service} metrics vanished for tenant {tenant}",
            f"{{service}} of tenant {{tenant}} was scraped in the last {t.w(3600)} but has no series now; silence is not health.",
            Presence(), expr=f"group by (tenant, service) (max_over_time({up}[{t.w(3600)}])) unless on(tenant, service) {up}",
            bad=1.0, good=0.0, hold=300, history=t.window(600),
        ),
    ]


def postgres_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "postgres"):
        return []
    db = {"datname": "app", "state": "active"}
    return [
        AlertDef(
            c.ALERT_PG_CONNECTIONS, "database", "critical", r.name(c.PG_CONNECTIONS_RATIO), TS,
            "{service} connections near max_connections for tenant {tenant}",
            "{service} for tenant {tenant} uses {value} of max_connections; objective {objective}.",
            Usage("pg_stat_activity_count", "pg_settings_max_connections", usage_extra=db, capacity=100),
            objective="connection_usage", cap=1.0, formats=PCT, kind="postgres", hold=300,
        ),
        AlertDef(
            c.ALERT_PG_DEADLOCKS, "database", "warning", f"{r.name(c.PG_DEADLOCKS_RATE)} * 60", TS,
            "{service} deadlocks for tenant {tenant}",
            "{service} for tenant {tenant} has {value} deadlocks per minute; objective {objective}.",
            Level("pg_stat_database_deadlocks", extra={"datname": "app"}, per=60, counting=True),
            objective="deadlocks_per_minute", kind="postgres", hold=300, settle=r.t.window(300),
        ),
        AlertDef(
            c.ALERT_PG_LONG_TX, "database", "warning", r.name(c.PG_TX_DURATION_MAX), TS,
            "{service} long-running transaction for tenant {tenant}",
            "The oldest transaction in {service} for tenant {tenant} has run {value}; objective {objective}.",
            Level("pg_stat_activity_max_tx_duration", extra=db), objective="long_transaction",
            formats=DUR, kind="postgres", hold=120,
        ),
    ]


def redis_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "redis"):
        return []
    return [
        AlertDef(
            c.ALERT_REDIS_MEMORY, "saturation", "critical", r.name(c.REDIS_MEMORY_RATIO), TS,
            "{service} memory near maxmemory for tenant {tenant}",
            "{service} for tenant {tenant} uses {value} of maxmemory; objective {objective}.",
            Usage("redis_memory_used_bytes", "redis_memory_max_bytes", capacity=1e9),
            objective="redis_memory_usage", cap=1.0, formats=PCT, kind="redis", hold=300,
        ),
        AlertDef(
            c.ALERT_REDIS_CLIENTS, "saturation", "warning", r.name(c.REDIS_CLIENTS_RATIO), TS,
            "{service} clients near maxclients for tenant {tenant}",
            "{service} for tenant {tenant} has {value} of maxclients connected; objective {objective}.",
            Usage("redis_connected_clients", "redis_config_maxclients", capacity=1000),
            objective="redis_clients_usage", cap=1.0, formats=PCT, kind="redis", hold=300,
        ),
    ]


def worker_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "worker"):
        return []
    queue = {"queue": "default"}
    return [
        AlertDef(
            c.ALERT_QUEUE_BACKLOG, "saturation", "warning", r.name(c.QUEUE_DEPTH), (*TS, "queue"),
            "{service} queue {queue} backlog for tenant {tenant}",
            "Queue {queue} of {service} for tenant {tenant} holds {value} jobs; objective {objective}.",
            Level("queue_depth"), objective="queue_backlog", kind="worker", hold=600, sample_labels=queue,
        ),
        AlertDef(
            c.ALERT_JOBS_FAILING, "errors", "warning", r.name(c.WORKER_FAILURE_RATIO), TS,
            "{service} jobs failing for tenant {tenant}",
            f"{{value}} of {{service}} jobs for tenant {{tenant}} failed over {r.t.w(300)}; objective {{objective}}.",
            Share("worker_jobs_total", {**queue, "outcome": "failure"}, {**queue, "outcome": "success"}),
            objective="job_failure_rate", cap=1.0, formats=PCT, kind="worker", hold=600, settle=r.t.window(300),
        ),
    ]


def model_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "model"):
        return []
    model = {"model": "default"}
    return [
        AlertDef(
            c.ALERT_MODEL_ACCURACY, "ml", "warning", r.name(c.MODEL_ACCURACY), (*TS, "model"),
            "Model {model} of {service} lost accuracy for tenant {tenant}",
            "Accuracy of model {model} ({service}, tenant {tenant}) is {value}; objective at least {objective}.",
            Level("model_accuracy"), objective="model_accuracy", op="<", cap=1.0, formats=PCT,
            kind="model", hold=900, sample_labels=model,
        ),
        AlertDef(
            c.ALERT_MODEL_DRIFT, "ml", "warning", r.name(c.MODEL_DRIFT), (*TS, "model"),
            "Model {model} of {service} drifts for tenant {tenant}",
            "Drift score (PSI) of model {model} ({service}, tenant {tenant}) is {value}; objective {objective}.",
            Level("model_drift_score", extra={"feature": "f1"}), objective="drift_score",
            kind="model", hold=900, sample_labels=model,
        ),
    ]
