"""One prometheus.yml per shard, derived from the single-node one.

Every shard loads the same rule files and sends to every Alertmanager; what differs is what
it scrapes and keeps:
- a tenant's series (its services, its containers and volumes) go to the shard `hashmod`
  gives its tenant id (sharding.py), so each shard judges whole tenants;
- shared services, the nodes and the user's own jobs are scraped by the designated shard
  only, so each platform alert is raised by one shard;
- Prometheus scrapes itself on each shard; Alertmanager and the engine are scraped by every
  shard, so the rules that notice their absence hold on every shard.
Alerts leave without the `shard` label: the same platform alert raised by several shards
(the Watchdog, an engine that is down) is then one alert for Alertmanager.
"""

from __future__ import annotations

import copy

from tenantwatch import conventions as names
from tenantwatch.render import Files, RenderOptions
from tenantwatch.render.prometheus.scrape import config_data, dump_config
from tenantwatch.render.prometheus.sharding import assignment, sample_rules, target_rules
from tenantwatch.render.runfiles import run_file
from tenantwatch.spec import Spec

SHARDS_DIR = "shards"
TENANT_JOBS = (names.SCRAPE_JOB_CADVISOR, names.SCRAPE_JOB_KUBELET, names.SCRAPE_JOB_KUBE_STATE_METRICS)
EVERY_SHARD_JOBS = (names.SCRAPE_JOB_ALERTMANAGER, names.ENGINE_JOB)


def shard_dir(shard: int) -> str:
    return f"{SHARDS_DIR}/shard-{shard}"


def shard_files(spec: Spec, options: RenderOptions, rule_files: list[str]) -> Files:
    """shards/shard-N/prometheus.yml and run.sh for every shard, and shards/assignment.json."""
    base = config_data(spec, options, [f"../../{path}" for path in rule_files])
    files: Files = {}
    for shard, address in enumerate(spec.scale_out.shard_addresses):
        files[f"{shard_dir(shard)}/prometheus.yml"] = dump_config(shard_config(spec, base, shard))
        files[f"{shard_dir(shard)}/run.sh"] = run_file(
            f"Prometheus shard {shard} of {spec.scale_out.prometheus_shards}", "PROMETHEUS", "prometheus",
            ["--config.file=prometheus.yml", f"--web.listen-address={address}", "--storage.tsdb.path=data"])
    files[f"{SHARDS_DIR}/assignment.json"] = assignment(spec)
    return files


def shard_config(spec: Spec, base: dict, shard: int) -> dict:
    """The single-node config turned into shard `shard`'s."""
    scale = spec.scale_out
    designated = shard == scale.shared_services_shard
    config = copy.deepcopy(base)
    config["global"]["external_labels"][names.SHARD] = str(shard)
    config["alerting"]["alert_relabel_configs"] = [{"regex": names.SHARD, "action": "labeldrop"}]
    jobs = []
    for job in config["scrape_configs"]:
        owner = _owner(spec, job["job_name"])
        if owner == "tenant":
            job["relabel_configs"] = job.get("relabel_configs", []) + target_rules(scale.prometheus_shards, shard, designated)
            job["metric_relabel_configs"] = job.get("metric_relabel_configs", []) + sample_rules(scale.prometheus_shards, shard, designated)
        elif owner == "self":
            job["static_configs"] = [{"targets": [scale.shard_addresses[shard]]}]
        if owner != "platform" or designated:
            jobs.append(job)
    config["scrape_configs"] = jobs
    return config


def _owner(spec: Spec, job: str) -> str:
    """tenant: split by tenant; platform: the designated shard's; self: the shard itself;
    every: scraped by every shard as it is."""
    if job in spec.services:
        return "platform" if spec.services[job].shared else "tenant"
    if job in TENANT_JOBS:
        return "tenant"
    if job == names.SCRAPE_JOB_PROMETHEUS:
        return "self"
    return "every" if job in EVERY_SHARD_JOBS else "platform"  # node exporter, the user's own jobs
