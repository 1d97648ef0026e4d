"""The monitoring of the monitoring: Prometheus and Alertmanager watch themselves and every
scrape job, so a broken rule file, a failed reload or a dead integration is an alert too.

prometheus.yml scrapes Prometheus (`prometheus.listen_address`) and Alertmanager; these
rules read their own metrics. All are the platform's (tenant="platform", scope="shared").
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_platform import PLATFORM
from tenantwatch.render.prometheus.probes import Level
from tenantwatch.render.prometheus.recording import Recorder

PIPELINE = {"static_labels": PLATFORM, "board": "overview"}
# Jobs whose targets are no service of the spec (those have TenantServiceDown) and not the
# engine (TenantwatchEngineDown): Prometheus, Alertmanager, the kubelet, exporters, the user's.
INFRASTRUCTURE_TARGETS = f'up{{service="", job!="{c.ENGINE_JOB}"}}'


def _failing(name: str, severity: str, metric: str, by: tuple[str, ...], summary: str, description: str,
             r: Recorder, sample: dict[str, str]) -> AlertDef:
    """Alert while a failure counter grows."""
    grouping = f"by ({', '.join(by)}) " if by else ""
    return AlertDef(
        name, "errors", severity, f"sum {grouping}(rate({metric}[{r.t.w(300)}]))", by, summary, description,
        Level(metric, counting=True), threshold=0.0, bad=0.5, good=0.0, hold=300, settle=r.t.window(300),
        sample_labels=sample, **PIPELINE,
    )


def _unsuccessful(name: str, metric: str, summary: str, description: str) -> AlertDef:
    """Alert while a 0/1 success gauge says the last attempt failed."""
    return AlertDef(
        name, "errors", "warning", f"min({metric})", (), summary, description,
        Level(metric), op="<", threshold=0.5, bad=0.0, good=1.0, hold=300, **PIPELINE,
    )


def monitoring_alerts(r: Recorder) -> list[AlertDef]:
    return [
        AlertDef(
            c.ALERT_SCRAPE_JOB_DOWN, "availability", "critical", f"max by (job) ({INFRASTRUCTURE_TARGETS})", ("job",),
            "Scrape job {job} is down",
            "Every target of scrape job {job} fails its scrape (up = {value}); what it exports is not monitored.",
            Level("up", extra={"instance": "127.0.0.1:9100"}), op="<", threshold=0.5, bad=0.0, good=1.0, hold=300,
            sample_labels={"job": c.SCRAPE_JOB_NODE_EXPORTER}, **PIPELINE,
        ),
        _failing(c.ALERT_PROMETHEUS_RULE_FAILURES, "critical", "prometheus_rule_evaluation_failures_total", ("rule_group",),
                 "Prometheus fails to evaluate rule group {rule_group}",
                 "Rule group {rule_group} fails {value} evaluations per second: its alerts cannot fire (alert above {objective}).",
                 r, {"rule_group": "rules/services.yml;tenantwatch-services"}),
        _failing(c.ALERT_PROMETHEUS_NOTIFICATIONS, "critical", "prometheus_notifications_errors_total", ("alertmanager",),
                 "Prometheus cannot send alerts to {alertmanager}",
                 "Prometheus fails {value} sends per second to Alertmanager {alertmanager}: firing alerts reach no one (alert above {objective}).",
                 r, {"alertmanager": "http://127.0.0.1:9093/api/v2/alerts"}),
        _failing(c.ALERT_ALERTMANAGER_NOTIFICATIONS, "critical", "alertmanager_notifications_failed_total", ("integration",),
                 "Alertmanager fails to notify through {integration}",
                 "Alertmanager fails {value} notifications per second through {integration} (alert above {objective}).",
                 r, {"integration": "webhook"}),
        _unsuccessful(c.ALERT_PROMETHEUS_CONFIG_RELOAD, "prometheus_config_last_reload_successful",
                      "Prometheus configuration reload failed",
                      "The last reload of prometheus.yml failed (success = {value}); Prometheus runs an older configuration."),
        _unsuccessful(c.ALERT_ALERTMANAGER_CONFIG_RELOAD, "alertmanager_config_last_reload_successful",
                      "Alertmanager configuration reload failed",
                      "The last reload of alertmanager.yml failed (success = {value}); Alertmanager routes with an older configuration."),
    ]
