"""Alert definitions per service kind (http, worker, model) and for every service's `up`.

Datastores (postgres, redis, kafka) are in catalog_datastores.py. Definitions marked
`shared_too` also judge series without a tenant (a shared service's exporter) as the
platform: one alert with tenant="platform", scope="shared", whatever the number of tenants.
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.labels import HTTP_EXTRA
from tenantwatch.render.prometheus.probes import Level, Share
from tenantwatch.render.prometheus.probes_shaped import Histogram, Presence, Shift
from tenantwatch.render.prometheus.recording import Recorder, owned, services_of

TS = ("tenant", "service")
PCT = ("humanizePercentage", "humanizePercentage")
DUR = ("humanizeDuration", "humanizeDuration")
MIN_RPS = 1  # throughput checks ignore services quieter than this (requests/s)
TARGETS = 'up{service!=""}'  # every scrape target of a service (the scrape config sets `service`)


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
            histogram, objective="latency_p95", formats=DUR, kind="http", hold=600, settle=t.window(300), board="api",
        ),
        AlertDef(
            c.ALERT_API_ERRORS, "errors", "warning", r.name(c.http_error_ratio("5m")), TS,
            "{service} error rate above objective for tenant {tenant}",
            f"{{value}} of {{service}} requests for tenant {{tenant}} failed with 5xx over {t.w(300)}; objective {{objective}}.",
            Share("http_requests_total", {**HTTP_EXTRA, "code": "500"}, ok), objective="error_rate",
            cap=1.0, formats=PCT, kind="http", hold=300, settle=t.window(300), board="api",
        ),
        AlertDef(
            c.ALERT_API_THROUGHPUT_DROP, "availability", "warning", f"(1 - {rate} / {earlier})", TS,
            "{service} traffic dropped for tenant {tenant}",
            f"{{service}} receives {{value}} fewer requests for tenant {{tenant}} than {t.w(3600)} ago; objective: alert above {{objective}}.",
            Shift("http_requests_total", before=10.0, extra=ok, drop=True), objective="throughput_drop",
            cap=1.0, formats=PCT, kind="http", hold=600, guard=f"and on(tenant, service) {earlier} > {MIN_RPS}",
            history=t.window(3600) + t.window(300), settle=t.window(300), board="api",
        ),
    ]


def up_alerts(r: Recorder) -> list[AlertDef]:
    """Hard down (`up == 0` on every target) and silence (series gone) for every kind. A target
    without a tenant (a shared service, or one exporter for many tenants) is the platform's."""
    t = r.t
    up = owned(TARGETS)
    seen = f"group by (tenant, service) ({owned(f'max_over_time({TARGETS}[{t.w(3600)}])')})"
    # Once firing, the alert keeps itself alive (its own ALERTS series) until the series come
    # back: the look-back window running out must not send a [RESOLVED] during the outage.
    still = f'group by (tenant, service) (ALERTS{{alertname="{c.ALERT_SERVICE_ABSENT}", alertstate="firing"}})'
    return [
        AlertDef(
            c.ALERT_SERVICE_DOWN, "availability", "critical", f"max by (tenant, service) ({up})", TS,
            "{service} is down for tenant {tenant}",
            "Every target of {service} for tenant {tenant} fails its scrape (up = {value}).",
            Level("up", extra={"job": "app"}), op="<", threshold=0.5, bad=0.0, good=1.0, hold=120, shared_too=True,
        ),
        AlertDef(
            c.ALERT_SERVICE_ABSENT, "availability", "warning", seen, TS,
            "{service} metrics vanished for tenant {tenant}",
            "{service} of tenant {tenant} was scraped before but has no series now; silence is not health.",
            Presence(), expr=f"{seen} unless on(tenant, service) {up} or ({still} unless on(tenant, service) {up})",
            bad=1.0, good=0.0, hold=300, history=t.window(600), sustained=t.window(3600), shared_too=True,
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
            board="infrastructure", shared_too=True,
        ),
        AlertDef(
            c.ALERT_JOBS_FAILING, "errors", "warning", r.name(c.WORKER_FAILURE_RATIO), TS,
            "{service} jobs failing for tenant {tenant}",
            f"{{value}} of {{service}} jobs for tenant {{tenant}} failed over {r.t.w(300)}; objective {{objective}}.",
            Share("worker_jobs_total", {**queue, "outcome": "failure"}, {**queue, "outcome": "success"}),
            objective="job_failure_rate", cap=1.0, formats=PCT, kind="worker", hold=600, settle=r.t.window(300),
            board="infrastructure", shared_too=True,
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
            kind="model", hold=900, sample_labels=model, board="ml", shared_too=True,
        ),
        AlertDef(
            c.ALERT_MODEL_DRIFT, "ml", "warning", r.name(c.MODEL_DRIFT), (*TS, "model"),
            "Model {model} of {service} drifts for tenant {tenant}",
            "Drift score (PSI) of model {model} ({service}, tenant {tenant}) is {value}; objective {objective}.",
            Level("model_drift_score", extra={"feature": "f1"}), objective="drift_score",
            kind="model", hold=900, sample_labels=model, board="ml", shared_too=True,
        ),
    ]
