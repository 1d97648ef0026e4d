"""The whole scaled-out loop on 127.0.0.1, every part real and started from the rendered
files: two Prometheus shards (remote-writing to a receiver, the global view) -> a two-node
Alertmanager cluster (gossip) -> two engine replicas on one PostgreSQL -> a recording "Slack". Tenants fail on both shards; then one
Alertmanager and the leading engine replica are killed (kill -9) and more tenants fail.
Every alert must become exactly one incident, every notification must go out once, and the
escalation planned before the kill must fire on the survivor."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tenantwatch.render.prometheus.sharding import shard_of
from tests.conftest import free_port
from tests.engine.conftest import fresh_database
from tests.engine.replicas import Replica
from tests.render.am_live import Recorder, recording_server
from tests.render.prom_exporter import exporter
from tests.scale.scale_support import (PROMETHEUS, TENANTS, poll, render_into, run_files, sharded_text, spec_of,
                                       tenants_with)
from tests.scale.test_scale_out_live import ALERTMANAGER

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
L2_AFTER = 25  # seconds: due after the kill, so the survivor must fire it
CHANNELS = """\
channels:
  slack-alerts: {{type: slack, webhook_url: "{url}/slack-alerts"}}
  email-sre: {{type: slack, webhook_url: "{url}/email-sre"}}
escalation:
  - {{level: L1, after: 0s, notify: [slack-alerts]}}
  - {{level: L2, after: {l2}s, notify: [email-sre]}}
"""


def _one_per_shard(offset: int) -> list[str]:
    """A tenant of shard 0 and one of shard 1 (the `offset`-th of each)."""
    return [[t for t in TENANTS if shard_of(t, 2) == shard][offset] for shard in (0, 1)]


FIRST, LATER = _one_per_shard(0), _one_per_shard(1)


def _admin_incidents(replica: Replica, key: str) -> list[dict]:
    answer = httpx.get(f"{replica.url}/api/v1/incidents", params={"limit": 500},
                       headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return answer.json()["items"] if answer.status_code == 200 else []


def _posts(slack: Recorder, path: str) -> int:
    return sum(1 for p, _, body in slack.requests if p == path and "] tenant-" in (body.get("text") or ""))


@contextlib.contextmanager
def _platform(root: Path, db: str) -> Iterator[dict]:
    from tests.engine.test_serve import run_cli

    key = root / "intake.key"
    key.write_text("alertmanager-secret\n")  # the engines accept it: the spec's intake_key_file
    series = {f'http_requests_total{{tenant="{t}",handler="/api",method="GET",code="200"}}': 1.0 for t in TENANTS}
    with contextlib.ExitStack() as stack:
        slack_url, slack = stack.enter_context(recording_server())
        api = stack.enter_context(exporter(series))
        db_target = stack.enter_context(exporter({}, {"pg_up": 1.0}))
        later = [exporter({}, {"queue_depth": 1.0}) for _ in LATER]  # stopped mid-way: those tenants fail then
        later_targets = [stack.enter_context(e) for e in later]
        shard_ports, am_ports, engine_ports = [free_port() for _ in range(2)], [free_port() for _ in range(4)], [free_port() for _ in range(2)]
        receiver_port = free_port()
        targets = {**{t: f"127.0.0.1:{free_port()}" for t in FIRST}, **dict(zip(LATER, later_targets))}
        text = sharded_text(
            shards=[f"127.0.0.1:{p}" for p in shard_ports],
            alertmanagers=[(f"127.0.0.1:{am_ports[i]}", f"127.0.0.1:{am_ports[i + 2]}") for i in (0, 1)],
            exporter=api, db=db_target, engine=f"http://127.0.0.1:{engine_ports[0]}", key_file=str(key),
            engine_urls=[f"http://127.0.0.1:{p}" for p in engine_ports],
            global_view=f"prometheus\n  receiver: {{address: 127.0.0.1:{receiver_port}}}",
            tenant_targets="{" + ", ".join(f"{t}: ['{a}']" for t, a in targets.items()) + "}",
            extra=CHANNELS.format(url=slack_url, l2=L2_AFTER))
        spec_path = root / "spec.yaml"
        spec_path.write_text(text)
        out = root / "out"
        render_into(spec_of(text), out, profile="fast")
        admin = run_cli("keys", "create", "--admin", "--db", db).stdout.strip()
        engines = [Replica(db, spec_path, root, port=p) for p in engine_ports]
        for engine in engines:
            stack.callback(engine.stop)
        poll("a leader", lambda: sum(e.leads() for e in engines) == 1)
        am_procs: list = []
        start = run_files(stack, {"PROMETHEUS": PROMETHEUS, "ALERTMANAGER": ALERTMANAGER})
        receiver = start(out / "prometheus/receiver/run.sh", receiver_port)
        for i in (0, 1):
            start(out / f"alertmanager/cluster/alertmanager-{i}.sh", am_ports[i], am_procs)
        for i in (0, 1):
            start(out / f"prometheus/shards/shard-{i}/run.sh", shard_ports[i])
        yield {"engines": engines, "admin": admin, "slack": slack, "am_procs": am_procs, "receiver": receiver,
               "stop_later": lambda: [e.__exit__(None, None, None) for e in later]}


def test_every_alert_is_one_incident_and_one_message_across_kills(postgres_url: str, tmp_path: Path) -> None:
    with fresh_database(postgres_url) as db, _platform(tmp_path, db) as platform:
        engines, admin, slack = platform["engines"], platform["admin"], platform["slack"]

        def down_tenants(engine: Replica) -> dict[str, int]:
            counts: dict[str, int] = {}
            for incident in _admin_incidents(engine, admin):
                counts[incident["tenant"]] = counts.get(incident["tenant"], 0) + 1
            return counts

        # tenants of both shards fail; each alert reaches both Alertmanagers and, from the one
        # that notifies, both engines
        poll("incidents of the first tenants", lambda: set(FIRST) <= set(down_tenants(engines[0])), timeout=120)
        poll("their L1 messages", lambda: _posts(slack, "/slack-alerts") >= 2, timeout=60)

        leader = next(e for e in engines if e.leads())
        survivor = next(e for e in engines if e is not leader)
        os.kill(platform["am_procs"][0].pid, signal.SIGKILL)
        leader.kill()
        platform["stop_later"]()
        poll("the survivor leads", survivor.leads, timeout=15)
        poll("incidents of the later tenants", lambda: set(LATER) <= set(down_tenants(survivor)), timeout=120)
        # L2 of every incident falls due after the kill: the survivor sends each one once
        poll("every L2 message", lambda: _posts(slack, "/email-sre") >= 4, timeout=L2_AFTER + 60)

        # the global view saw the failures of both shards
        down = poll("the failed tenants on the receiver", lambda: (found := tenants_with(
            platform["receiver"], 'up{job="jobs"} == 0')) and set(FIRST + LATER) <= set(found) and found)
        assert {t: down[t]["shard"] for t in FIRST + LATER} == {t: str(shard_of(t, 2)) for t in FIRST + LATER}

        counts = down_tenants(survivor)
        assert {t: counts.get(t) for t in FIRST + LATER} == {t: 1 for t in FIRST + LATER}, counts
        # one message per tenant incident and level; the platform's own incident (Prometheus
        # cannot reach the killed Alertmanager) is rightly there too, and nothing comes twice
        texts = [(path, body.get("text")) for path, _, body in slack.requests if body.get("text")]
        assert len(texts) == len(set(texts)), texts
        for tenant in FIRST + LATER:
            for path in ("/slack-alerts", "/email-sre"):
                assert sum(1 for p, text in texts if p == path and f"] {tenant}:" in text) == 1, (tenant, path, texts)
