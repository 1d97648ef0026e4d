"""Specs and helpers of the scale-out tests: a sharded platform, its rendered tree, and
what a shard's prometheus.yml says."""

from __future__ import annotations

from pathlib import Path

import yaml

from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.render.emit import write_tree
from tenantwatch.spec import Spec, load_text

TENANTS = [f"tenant-{i:02d}" for i in range(20)]


def sharded_text(*, shards: list[str], alertmanagers: list[tuple[str, str]], exporter: str, db: str,
                 engine: str = "http://127.0.0.1:8080", key_file: str = "/etc/tenantwatch/intake.key",
                 global_view: str = "none", tenant_targets: str = "{}", designated: int = 0) -> str:
    """A static-discovery platform: `api` per tenant (one exporter labels every tenant's
    series), `jobs` per tenant with its own instances, `db` shared; 20 tenants."""
    ams = "\n".join(f"    - {{address: {a}, cluster: {c}}}" for a, c in alertmanagers)
    tenants = "\n".join(f"  {t}: {{}}" for t in TENANTS)
    return f"""\
version: 1
platform: sharded
discovery: static
engine: {{url: {engine}, intake_key_file: {key_file}}}
services:
  api: {{kind: http, targets: [{exporter}]}}
  jobs: {{kind: worker, tenant_targets: {tenant_targets}}}
  db: {{kind: postgres, shared: true, targets: [{db}]}}
tenants:
{tenants}
scale_out:
  prometheus_shards: {len(shards)}
  shard_addresses: [{", ".join(shards)}]
  shared_services_shard: {designated}
  alertmanager_replicas: {len(alertmanagers)}
  alertmanagers:
{ams}
  global_view: {global_view}
"""


def spec_of(text: str) -> Spec:
    result = load_text(text, environ={})
    assert result.spec is not None, result.issues
    return result.spec


def render_into(spec: Spec, out: Path, profile: str = "standard") -> dict[str, dict[str, str]]:
    tree = render_tree(spec, RenderOptions(profile=profile))
    write_tree(out, tree)
    return tree


def jobs(config_text: str) -> dict[str, dict]:
    return {job["job_name"]: job for job in yaml.safe_load(config_text)["scrape_configs"]}
