"""Real binaries on 127.0.0.1, started from the rendered files and run files: two Prometheus
shards, a remote-write receiver and a two-node Alertmanager cluster with real gossip,
alerting to a recording webhook that stands in for the engine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest
import yaml

from tenantwatch import conventions
from tenantwatch.render.prometheus.sharding import shard_of
from tests.conftest import free_port
from tests.render.am_live import Recorder, recording_server, running
from tests.render.prom_exporter import exporter
from tests.scale.scale_support import (PROMETHEUS, TENANTLESS, TENANTS, platform_exporters, poll, query, render_into,
                                       run_files, sharded_text, spec_of, tenants_with)

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
DEAD_TENANT, LATE_TENANT = "tenant-03", "tenant-07"  # jobs down from the start / once an Alertmanager is killed
SHARED = "db"


@dataclass
class Cluster:
    shards: list[str]
    receiver: str
    alertmanagers: list[str]
    am_procs: list[subprocess.Popen]
    webhook: Recorder
    assignment: dict
    stop_late_tenant: Callable[[], None]


def _notifications(cluster: Cluster, tenant: str) -> list[dict]:
    return [body for path, _, body in cluster.webhook.requests
            if path == conventions.ENGINE_WEBHOOK_PATH and body["groupLabels"].get("tenant") == tenant
            and body["groupLabels"].get("alertname") == conventions.ALERT_SERVICE_DOWN and body["status"] == "firing"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("scale")
    key = root / "intake.key"
    key.write_text("secret\n")
    late_gauges = {"queue_depth": 1.0}
    with contextlib.ExitStack() as stack:
        webhook_url, webhook = stack.enter_context(recording_server())
        api, db = platform_exporters(stack)
        late = exporter({}, late_gauges)
        late_target = late.__enter__()
        stack.callback(lambda: late.__exit__(None, None, None))
        shard_ports, am_ports, receiver_port = [free_port(), free_port()], [free_port() for _ in range(4)], free_port()
        text = sharded_text(
            shards=[f"127.0.0.1:{p}" for p in shard_ports],
            alertmanagers=[(f"127.0.0.1:{am_ports[i]}", f"127.0.0.1:{am_ports[i + 2]}") for i in (0, 1)],
            exporter=api, db=db, engine=webhook_url, key_file=str(key), designated=1,
            global_view=f"prometheus\n  receiver: {{address: 127.0.0.1:{receiver_port}}}",
            tenant_targets=f"{{{DEAD_TENANT}: ['127.0.0.1:{free_port()}'], {LATE_TENANT}: ['{late_target}']}}")
        render_into(spec_of(text), root / "out", profile="fast")
        out = root / "out"
        am_procs: list[subprocess.Popen] = []
        start = run_files(stack, {"PROMETHEUS": PROMETHEUS, "ALERTMANAGER": ALERTMANAGER})
        receiver = start(out / "prometheus/receiver/run.sh", receiver_port)
        alertmanagers = [start(out / f"alertmanager/cluster/alertmanager-{i}.sh", am_ports[i], am_procs) for i in (0, 1)]
        shards = [start(out / f"prometheus/shards/shard-{i}/run.sh", shard_ports[i]) for i in (0, 1)]
        assignment = json.loads((out / "prometheus/shards/assignment.json").read_text())
        yield Cluster(shards, receiver, alertmanagers, am_procs, webhook, assignment,
                      stop_late_tenant=lambda: late.__exit__(None, None, None))


@pytest.mark.e2e
def test_every_tenant_lives_on_exactly_the_shard_the_assignment_names(cluster: Cluster) -> None:
    seen = [poll(f"shard {n} scraped its tenants", lambda url=url: tenants_with(url, "http_requests_total"))
            for n, url in enumerate(cluster.shards)]
    poll("every tenant on some shard", lambda: set().union(*(tenants_with(u, "http_requests_total") for u in cluster.shards)) == set(TENANTS))
    seen = [set(tenants_with(url, "http_requests_total")) for url in cluster.shards]
    assert seen[0].isdisjoint(seen[1])
    for tenant in TENANTS:
        assert tenant in seen[cluster.assignment["tenants"][tenant]]
    assert query(cluster.shards[1], TENANTLESS) and not query(cluster.shards[0], TENANTLESS)  # the designated shard's


@pytest.mark.e2e
def test_the_shared_service_is_scraped_by_the_designated_shard_only(cluster: Cluster) -> None:
    poll("pg_up on the designated shard", lambda: query(cluster.shards[1], f'pg_up{{service="{SHARED}"}}'))
    assert query(cluster.shards[0], f'up{{job="{SHARED}"}}') == []
    assert query(cluster.shards[0], "pg_up") == []


@pytest.mark.e2e
def test_the_receiver_holds_every_tenant_from_both_shards(cluster: Cluster) -> None:
    found = poll("every tenant on the receiver",
                 lambda: (got := tenants_with(cluster.receiver, "http_requests_total")) and set(got) == set(TENANTS) and got)
    assert {tenant: int(labels["shard"]) for tenant, labels in found.items()} == cluster.assignment["tenants"]


@pytest.mark.e2e
def test_one_notification_from_the_cluster_and_alerts_still_arrive_after_a_kill_9(cluster: Cluster) -> None:
    first = cluster.webhook.wait_for(lambda r: _notifications(cluster, DEAD_TENANT), timeout=90)
    assert _notifications(cluster, DEAD_TENANT)[0]["alerts"][0]["labels"].get("shard") is None  # shard label dropped
    for url in cluster.alertmanagers:  # both replicas hold the alert: the shard sent it to each
        poll("alert on every replica", lambda url=url: [a for a in httpx.get(f"{url}/api/v2/alerts").json()
                                                      if a["labels"].get("tenant") == DEAD_TENANT])
    # The second replica notifies only if gossip did not tell it the first one had: give it
    # three of its 2 s peer timeouts plus a group interval to show a duplicate.
    with pytest.raises(AssertionError):
        cluster.webhook.wait_for(lambda r: len(_notifications(cluster, DEAD_TENANT)) > 1, timeout=8)
    assert len(first) >= 1 and len(_notifications(cluster, DEAD_TENANT)) == 1
    status = httpx.get(f"{cluster.alertmanagers[1]}/api/v2/status").json()["cluster"]
    assert status["status"] == "ready" and len(status["peers"]) == 2

    os.kill(cluster.am_procs[0].pid, signal.SIGKILL)
    cluster.am_procs[0].wait(timeout=10)
    cluster.stop_late_tenant()
    cluster.webhook.wait_for(lambda r: _notifications(cluster, LATE_TENANT), timeout=90)
    assert len(_notifications(cluster, LATE_TENANT)) == 1


@pytest.mark.e2e
def test_prometheus_hashmod_puts_tenants_where_shard_of_predicts(tmp_path: Path) -> None:
    """Prometheus writes its hashmod of 200 tenant ids for several shard counts into target
    labels; shard_of must give the same numbers."""
    tenants = [f"t{i}-{'x' * (i % 7)}" for i in range(200)]
    moduli = (2, 3, 4, 7)
    relabel = [{"source_labels": ["tenant"], "modulus": m, "target_label": f"mod{m}", "action": "hashmod"} for m in moduli]
    port = free_port()
    config = {"global": {"scrape_interval": "1h"}, "scrape_configs": [{
        "job_name": "hash", "relabel_configs": relabel,
        "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": {"tenant": t, "i": str(i)}} for i, t in enumerate(tenants)]}]}
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    argv = [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}", f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={tmp_path / 'data'}"]
    with running(argv, port, tmp_path / "prometheus.log") as url:
        targets = poll("every target discovered", lambda: (t := httpx.get(f"{url}/api/v1/targets").json()["data"]["activeTargets"])
                       and len(t) == len(tenants) and t)
    for target in targets:
        labels = target["labels"]
        assert {m: int(labels[f"mod{m}"]) for m in moduli} == {m: shard_of(labels["tenant"], m) for m in moduli}
