"""The prometheus target: rules/*.yml, their promtool tests in tests/*.yml, prometheus.yml.

Stages: objectives as series -> recording rules per service kind, workload and SLO ->
alert definitions (catalog_*, slo, intelligent) -> alerting rules and, from the same
definitions, the generated unit tests. The number of alerting rules depends on service
kinds and spec switches, never on the number of tenants.
"""

from __future__ import annotations

import json

import yaml

from tenantwatch.render import Files, RenderOptions, target
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_datastores import kafka_alerts, postgres_alerts, redis_alerts
from tenantwatch.render.prometheus.catalog_kinds import http_alerts, model_alerts, up_alerts, worker_alerts
from tenantwatch.render.prometheus.catalog_monitoring import monitoring_alerts
from tenantwatch.render.prometheus.catalog_platform import node_alerts, pipeline_alerts
from tenantwatch.render.prometheus.catalog_tenant import business_alerts, security_alerts
from tenantwatch.render.prometheus.catalog_workloads import container_alerts
from tenantwatch.render.prometheus.global_view import global_view_files
from tenantwatch.render.prometheus.intelligent import anomaly_alerts, predictive_alerts, zscore_rules
from tenantwatch.render.prometheus.objectives import objective_rules
from tenantwatch.render.prometheus.recording import Recorder, services_of
from tenantwatch.render.prometheus.recording_slo import SloRecorder
from tenantwatch.render.prometheus.recording_workloads import Workloads
from tenantwatch.render.prometheus.scrape import prometheus_config
from tenantwatch.render.prometheus.shards import shard_files
from tenantwatch.render.prometheus.slo import custom_slo_alerts, slo_alerts
from tenantwatch.render.prometheus.timing import Timing, intervals
from tenantwatch.render.prometheus.unittests import TestWriter
from tenantwatch.render.prometheus.user_rules import user_rule_files
from tenantwatch.spec import Spec
from tenantwatch.spec.units import format_duration

__all__ = ["alert_catalog", "intervals", "render_prometheus"]
GROUP_PREFIX = "tenantwatch-"
OBJECTIVES_FILE = "rules/objectives.yml"
# The recording files each area's alerts read: a generated test loads only those, since
# promtool evaluates every loaded rule at every step.
AREA_RECORDINGS = {
    "services": ("http", "worker", "model"),
    "datastores": ("postgres", "redis", "kafka"),
    "slo": ("http", "worker", "slo-ratios"),
    "resources": ("containers",),
    "security-business": ("tenant",),
    "anomaly": ("http", "anomaly-scores"),
}


def recording_file(name: str) -> str:
    return f"rules/recording-{name}.yml"


def alert_catalog(recorder: Recorder) -> dict[str, list[AlertDef]]:
    """{area: definitions}; each area becomes rules/<area>.yml and tests/<area>.yml."""
    areas = {
        "services": [*up_alerts(recorder), *http_alerts(recorder), *worker_alerts(recorder), *model_alerts(recorder)],
        "datastores": [*postgres_alerts(recorder), *redis_alerts(recorder), *kafka_alerts(recorder)],
        "slo": slo_alerts(recorder),
        "slo-custom": custom_slo_alerts(recorder),
        "resources": container_alerts(recorder),
        "security-business": [*security_alerts(recorder), *business_alerts(recorder)],
        "predictive": predictive_alerts(recorder),
        "anomaly": anomaly_alerts(recorder),
        "platform": [*node_alerts(recorder), *pipeline_alerts(recorder), *monitoring_alerts(recorder)],
    }
    return {area: defs for area, defs in areas.items() if defs}


# libyaml's emitter when present: the pure-Python one takes seconds for 10 000 tenants
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, width=100000, allow_unicode=True)


def _flat_group(name: str, rules: list[dict]) -> str:
    """One rule per line as a JSON mapping (JSON is YAML): the objectives file grows with
    overrides, and this keeps 10 000 tenants' worth fast to write and easy to diff."""
    lines = [f"- name: {GROUP_PREFIX}{name}", "  rules:"]
    lines += [f"  - {json.dumps(rule)}" for rule in rules]
    return "groups:\n" + "\n".join(lines) + "\n"


def _groups(groups: dict[str, list[dict]]) -> str | None:
    """A rule file, or None when every group is empty (e.g. no HTTP service: no SLO ratios)."""
    if not any(groups.values()):
        return None
    return _dump({"groups": [{"name": GROUP_PREFIX + name, "rules": rules} for name, rules in groups.items() if rules]})


@target("prometheus")
def render_prometheus(spec: Spec, options: RenderOptions) -> Files:
    timing = Timing.of(spec, options)
    recorder = Recorder(spec, timing)
    recordings = {**recorder.by_kind(), "containers": Workloads(recorder).containers(), "tenant": recorder.tenant_wide(),
                  "slo-ratios": SloRecorder(recorder).rules(), "anomaly-scores": zscore_rules(recorder)}
    files: Files = {OBJECTIVES_FILE: _flat_group("objectives", objective_rules(spec, services_of(spec, "http")))}
    files.update({recording_file(name): _groups({name: rules}) for name, rules in recordings.items()})
    writer = TestWriter(spec, timing)
    for area, defs in alert_catalog(recorder).items():
        rule_file = f"rules/{area}.yml"
        needed = [recording_file(n) for n in AREA_RECORDINGS.get(area, ()) if recordings.get(n)]
        files[rule_file] = _groups({area: [rule for d in defs for rule in d.rules(spec, timing)]})
        files[f"tests/{area}.yml"] = _dump({
            "rule_files": [f"../{f}" for f in (OBJECTIVES_FILE, *needed, rule_file)],
            "evaluation_interval": format_duration(timing.test_interval),
            "tests": [group for d in defs for group in writer.groups(d)],
        })
    files = {path: text for path, text in files.items() if text is not None}
    files.update(user_rule_files(spec, options))
    rule_files = sorted(f for f in files if f.startswith("rules/"))
    if spec.scale_out.sharded:
        files.update(shard_files(spec, options, rule_files))
    else:
        files["prometheus.yml"] = prometheus_config(spec, options, rule_files)
    files.update(global_view_files(spec, options))
    return files
