"""Rendering a scaled-out platform: one prometheus.yml per shard, the Alertmanager cluster's
run files, the global view, and nothing changed for a spec without `scale_out`."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.render.prometheus.sharding import shard_of
from tenantwatch.render.verify import verify_tree
from tenantwatch.spec import load_file

from tests.conftest import EXAMPLES
from tests.scale.scale_support import TENANTS, jobs, render_into, sharded_text, spec_of

SHARDS = ["10.0.0.1:9090", "10.0.0.2:9090"]
RECEIVER = "prometheus\n  receiver: {address: 10.0.0.9:9190}"
AMS = [("10.0.0.1:9093", "10.0.0.1:9094"), ("10.0.0.2:9093", "10.0.0.2:9094")]


def sharded(**changes: object) -> str:
    args = {"shards": SHARDS, "alertmanagers": AMS, "exporter": "10.0.1.1:8000", "db": "10.0.1.2:9187", **changes}
    return sharded_text(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_an_empty_scale_out_section_renders_the_same_bytes(example: Path) -> None:
    plain = load_file(example, environ={}).spec
    assert plain is not None
    explicit = spec_of(example.read_text() + "\nscale_out: {prometheus_shards: 1, global_view: none}\n")
    options = RenderOptions(include_secrets=True, environ={"SLACK_WEBHOOK_URL": "x", "DISCORD_WEBHOOK_URL": "y",
                                                            "PAGERDUTY_ROUTING_KEY": "z"})
    assert render_tree(explicit, options) == render_tree(plain, options)


def test_each_shard_labels_itself_loads_every_rule_file_and_alerts_every_replica(tmp_path: Path) -> None:
    tree = render_into(spec_of(sharded()), tmp_path)["prometheus"]
    assert "prometheus.yml" not in tree  # a single-node config would scrape everything twice
    rule_files = sorted(f"../../{f}" for f in tree if f.startswith("rules/"))
    for shard in (0, 1):
        config = yaml.safe_load(tree[f"shards/shard-{shard}/prometheus.yml"])
        assert config["global"]["external_labels"]["shard"] == str(shard)
        assert sorted(config["rule_files"]) == rule_files
        assert (tmp_path / "prometheus/shards" / f"shard-{shard}" / config["rule_files"][0]).is_file()
        [alerting] = config["alerting"]["alertmanagers"]
        assert alerting["static_configs"][0]["targets"] == ["10.0.0.1:9093", "10.0.0.2:9093"]
        assert {"regex": "shard", "action": "labeldrop"} in config["alerting"]["alert_relabel_configs"]
        assert jobs(tree[f"shards/shard-{shard}/prometheus.yml"])["prometheus"]["static_configs"][0]["targets"] == [SHARDS[shard]]


def test_shared_services_only_on_the_designated_shard_tenant_jobs_hashed_on_every_shard() -> None:
    tree = render_tree(spec_of(sharded(designated=1)), RenderOptions())["prometheus"]
    zero, one = (jobs(tree[f"shards/shard-{n}/prometheus.yml"]) for n in (0, 1))
    assert "db" not in zero and "db" in one
    for n, shard_jobs in enumerate((zero, one)):
        hashing = [r for r in shard_jobs["api"]["metric_relabel_configs"] if r.get("action") == "hashmod"]
        assert hashing == [{"source_labels": ["tenant"], "modulus": 2, "target_label": "__tmp_shard", "action": "hashmod"}]
        keep = [r for r in shard_jobs["api"]["metric_relabel_configs"] if r.get("action") == "keep"]
        assert keep[0]["regex"] == (str(n) if n == 0 else "1|platform")
        assert "tenantwatch-engine" in shard_jobs and "alertmanager" in shard_jobs


def test_the_assignment_file_says_which_shard_owns_each_tenant() -> None:
    tree = render_tree(spec_of(sharded()), RenderOptions())["prometheus"]
    assignment = json.loads(tree["shards/assignment.json"])
    assert assignment["tenants"] == {t: shard_of(t, 2) for t in TENANTS}
    assert sum(assignment["tenants_per_shard"]) == len(TENANTS) and min(assignment["tenants_per_shard"]) > 0


def test_the_alertmanager_cluster_run_files_peer_with_each_other(tmp_path: Path) -> None:
    tree = render_into(spec_of(sharded()), tmp_path, profile="fast")["alertmanager"]
    flags = [shlex.split(tree[f"cluster/alertmanager-{n}.sh"].split("exec ", 1)[1].replace("\\\n", " "))[1:] for n in (0, 1)]
    assert "--cluster.listen-address=10.0.0.1:9094" in flags[0] and "--cluster.peer=10.0.0.2:9094" in flags[0]
    assert "--cluster.listen-address=10.0.0.2:9094" in flags[1] and "--cluster.peer=10.0.0.1:9094" in flags[1]
    assert "--config.file=../alertmanager.yml" in flags[0] and "--cluster.peer-timeout=2s" in flags[0]
    syntax = subprocess.run(["sh", "-n", str(tmp_path / "alertmanager/cluster/alertmanager-0.sh")], capture_output=True)
    assert syntax.returncode == 0


def test_engine_replicas_each_get_every_alert_and_are_scraped() -> None:
    text = sharded().replace("scale_out:\n", "scale_out:\n  engine_replicas: 2\n  engine_urls: [http://10.0.2.1:8080, http://10.0.2.2:8080]\n")
    tree = render_tree(spec_of(text), RenderOptions())
    receivers = yaml.safe_load(tree["alertmanager"]["alertmanager.yml"])["receivers"]
    [engine] = [r for r in receivers if r["name"] == "tenantwatch-engine"]
    assert [w["url"] for w in engine["webhook_configs"]] == ["http://10.0.2.1:8080/api/v1/alertmanager",
                                                             "http://10.0.2.2:8080/api/v1/alertmanager"]
    scraped = jobs(tree["prometheus"]["shards/shard-1/prometheus.yml"])["tenantwatch-engine"]
    assert scraped["static_configs"][0]["targets"] == ["10.0.2.1:8080", "10.0.2.2:8080"]


@pytest.mark.parametrize("view, expected", [
    ("prometheus\n  receiver: {address: 10.0.0.9:9190}", [{"url": "http://10.0.0.9:9190/api/v1/write"}]),
    ("mimir\n  mimir: {url: https://mimir.example.com/api/v1/push, org_id: sharded}",
     [{"url": "https://mimir.example.com/api/v1/push", "headers": {"X-Scope-OrgID": "sharded"}}]),
])
def test_every_shard_remote_writes_to_the_global_view(view: str, expected: list[dict]) -> None:
    tree = render_tree(spec_of(sharded(global_view=view)), RenderOptions())["prometheus"]
    for shard in (0, 1):
        assert yaml.safe_load(tree[f"shards/shard-{shard}/prometheus.yml"])["remote_write"] == expected


def test_the_receiver_accepts_remote_write_and_thanos_reads_every_sidecar() -> None:
    receiver = render_tree(spec_of(sharded(global_view=RECEIVER)), RenderOptions())["prometheus"]
    assert "--web.enable-remote-write-receiver" in receiver["receiver/run.sh"]
    assert "rule_files" not in yaml.safe_load(receiver["receiver/prometheus.yml"])  # alerts come from the shards only
    thanos = render_tree(spec_of(sharded(global_view="thanos\n  thanos: {query_address: 10.0.0.9:10904, sidecars: [10.0.0.1:10901, 10.0.0.2:10901]}")),
                         RenderOptions())["prometheus"]
    assert "--prometheus.url=http://10.0.0.2:9090" in thanos["thanos/sidecar-1.sh"]
    assert "--tsdb.path=../shards/shard-1/data" in thanos["thanos/sidecar-1.sh"]
    assert "--endpoint.sd-config-file=endpoints.yml" in thanos["thanos/query.sh"]  # --endpoint is deprecated in Thanos 0.42
    assert "--endpoint=" not in thanos["thanos/query.sh"]
    assert yaml.safe_load(thanos["thanos/endpoints.yml"]) == {"endpoints": [{"address": "10.0.0.1:10901"}, {"address": "10.0.0.2:10901"}]}
    assert "remote_write" not in yaml.safe_load(thanos["shards/shard-0/prometheus.yml"])


def test_verify_checks_every_shard_the_receiver_and_the_cluster_config(tmp_path: Path) -> None:
    render_into(spec_of(sharded(global_view=RECEIVER)), tmp_path)
    runs = {run.what: run for run in verify_tree(tmp_path)}
    assert {"promtool check config shards/shard-0/prometheus.yml", "promtool check config shards/shard-1/prometheus.yml",
            "promtool check config receiver/prometheus.yml", "amtool check-config", "promtool check rules"} <= set(runs)
    assert all(run.ok for run in runs.values()), {w: r.output for w, r in runs.items() if not r.ok}
