"""The `scale_out` section: defaults that change nothing, and every mistake named at its path."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.spec import load_text

BASE = """\
version: 1
platform: shop
discovery: static
services:
  api: {kind: http}
tenants:
  acme: {}
"""
GOOD = BASE + """\
scale_out:
  prometheus_shards: 2
  shard_addresses: [10.0.0.1:9090, 10.0.0.2:9090]
  shared_services_shard: 1
  alertmanager_replicas: 2
  alertmanagers:
    - {address: 10.0.0.1:9093, cluster: 10.0.0.1:9094}
    - {address: 10.0.0.2:9093, cluster: 10.0.0.2:9094}
  engine_replicas: 2
  engine_urls: [http://10.0.0.1:8080, http://10.0.0.2:8080]
  global_view: mimir
  mimir: {url: https://mimir.example.com/api/v1/push, org_id: shop}
"""


def errors(text: str) -> dict[str, str]:
    result = load_text(text, environ={})
    return {issue.path: issue.message for issue in result.errors}


def test_without_the_section_everything_runs_once() -> None:
    spec = load_text(BASE, environ={}).spec
    assert spec is not None
    scale = spec.scale_out
    assert (scale.prometheus_shards, scale.alertmanager_replicas, scale.engine_replicas) == (1, 1, 1)
    assert scale.global_view == "none" and not scale.sharded


def test_a_full_section_validates() -> None:
    spec = load_text(GOOD, environ={}).spec
    assert spec is not None and spec.scale_out.sharded
    assert spec.scale_out.mimir.org_id == "shop"


@pytest.mark.parametrize("old, new, path, words", [
    ("prometheus_shards: 2", "prometheus_shards: 0", "scale_out.prometheus_shards", "at least 1"),
    ("[10.0.0.1:9090, 10.0.0.2:9090]", "[10.0.0.1:9090]", "scale_out.shard_addresses", "list 2 entries"),
    ("[10.0.0.1:9090, 10.0.0.2:9090]", "[10.0.0.1:9093, 10.0.0.2:9090]", "scale_out", "10.0.0.1:9093 is listed twice"),
    ("shared_services_shard: 1", "shared_services_shard: 5", "scale_out.shared_services_shard", "shard 5 does not exist"),
    ("    - {address: 10.0.0.2:9093, cluster: 10.0.0.2:9094}\n", "", "scale_out.alertmanagers", "list 2 entries"),
    ("cluster: 10.0.0.2:9094", "cluster: 10.0.0.2", "scale_out.alertmanagers[1].cluster", "expected host:port"),
    ("http://10.0.0.2:8080]", "10.0.0.2:8080]", "scale_out.engine_urls[1]", "expected an http(s) URL"),
    (", org_id: shop}", "}", "scale_out.mimir.org_id", "X-Scope-OrgID"),
    ("url: https://mimir", "url: mimir", "scale_out.mimir.url", "needs the push URL"),
    ("global_view: mimir", "global_view: cortex", "scale_out.global_view", "'none', 'prometheus', 'thanos' or 'mimir'"),
    ("engine_replicas: 2", "engine_replica: 2", "scale_out.engine_replica", "unknown key"),
])
def test_each_mistake_is_named_at_its_path(old: str, new: str, path: str, words: str) -> None:
    assert old in GOOD
    found = errors(GOOD.replace(old, new))
    assert path in found, found
    assert words in found[path]


def test_thanos_needs_one_sidecar_per_shard() -> None:
    thanos = GOOD.replace("global_view: mimir", "global_view: thanos\n  thanos: {sidecars: [10.0.0.1:10901]}")
    assert "one sidecar gRPC address per shard (2), got 1" in errors(thanos)["scale_out.thanos.sidecars"]


def test_validate_exits_2_and_names_the_place(tmp_path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(GOOD.replace("shared_services_shard: 1", "shared_services_shard: 2"))
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 2
    assert "scale_out.shared_services_shard" in result.output
