"""Engine replicas on one real PostgreSQL, as real `tenantwatch serve` processes: the same
alert posted to every replica (as Alertmanager does) is one alert and one incident, each
notification goes out once, and when the leading replica is killed (kill -9) the survivor
takes over: it processes new alerts and fires the escalations that fall due."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from sqlalchemy import func, select

from tenantwatch.engine.store import open_store
from tenantwatch.engine.store.models import Alert, Incident
from tests.conftest import free_port
from tests.engine.conftest import Recorder, alert, fresh_database, spec_yaml, webhook
from tests.engine.replicas import Replica
from tests.engine.test_serve import run_cli, wait_until

pytestmark = pytest.mark.postgres
ESCALATION = [
    {"level": "L1", "after": "0s", "notify": ["slack-alerts"]},
    {"level": "L2", "after": "6s", "notify": ["email-sre"]},
]


@pytest.fixture
def cluster(postgres_url: str, recorder: Recorder, tmp_path: Path) -> Iterator[dict[str, Any]]:
    with fresh_database(postgres_url) as db:
        spec = tmp_path / "spec.yaml"
        spec.write_text(spec_yaml(recorder.url, escalation=ESCALATION, maintenance=[]))
        keys = {kind: run_cli("keys", "create", f"--{kind}", "--db", db).stdout.strip() for kind in ("intake", "admin")}
        replicas = [Replica(db, spec, tmp_path), Replica(db, spec, tmp_path)]
        try:
            wait_until(lambda: sum(r.leads() for r in replicas) == 1)
            yield {"db": db, "spec": spec, "keys": keys, "replicas": replicas}
        finally:
            for replica in replicas:
                replica.stop()


def _post(replica: Replica, key: str, alerts: list[dict[str, Any]], **params: str) -> httpx.Response:
    return httpx.post(f"{replica.url}/api/v1/alertmanager", json=webhook(alerts), params=params,
                      headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _incidents(replica: Replica, key: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{replica.url}/api/v1/incidents", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _stored(db: str) -> tuple[int, int]:
    store = open_store(db, migrate=False)
    try:
        with store.read() as session:
            return session.scalar(select(func.count()).select_from(Alert)), session.scalar(select(func.count()).select_from(Incident))
    finally:
        store.close()


def test_replicas_share_the_work_and_the_survivor_of_a_kill_9_carries_on(cluster: dict[str, Any], recorder: Recorder) -> None:
    intake, admin = cluster["keys"]["intake"], cluster["keys"]["admin"]
    leader, follower = sorted(cluster["replicas"], key=lambda r: not r.leads())
    first = alert(tenant="acme", service="api", name="ApiDown", severity="critical", fingerprint="first")
    for replica in (follower, leader):  # Alertmanager sends every webhook to every replica
        assert _post(replica, intake, [first]).status_code == 200

    # read-your-writes on the follower too: its reads wait for the leader's cursor
    [incident] = _incidents(follower, admin)
    assert incident["tenant"] == "acme" and _stored(cluster["db"]) == (1, 1)
    wait_until(lambda: len(recorder.bodies("/slack-alerts")) == 1)
    # a webhook that waits for its result gets it from the replica that processed it
    answered = _post(follower, intake, [alert(tenant="globex", service="api", name="Slow", fingerprint="wait")], wait="true")
    assert answered.json()["processed"] is True and answered.json()["new"] == 1

    leader.kill()
    wait_until(lambda: follower.leads(), timeout=15)
    second = alert(tenant="initech", service="jobs", name="JobsStuck", severity="critical", fingerprint="second")
    assert _post(follower, intake, [second]).status_code == 200
    assert {i["tenant"] for i in _incidents(follower, admin)} == {"acme", "globex", "initech"}
    # the L2 escalations fall due on the survivor: each goes out once, and nothing went out twice
    wait_until(lambda: len(recorder.bodies("/email-sre")) == 3, timeout=30)
    assert len(recorder.bodies("/slack-alerts")) == 3
    assert _stored(cluster["db"]) == (3, 3)


def test_alerts_posted_to_both_replicas_at_once_become_one_incident_each(cluster: dict[str, Any]) -> None:
    """Correlation across replicas: related alerts of a tenant join one incident."""
    intake, admin = cluster["keys"]["intake"], cluster["keys"]["admin"]
    tenants = [f"t{n:02d}" for n in range(30)]
    batches = [[alert(tenant=t, service=service, name=f"{service}Down", fingerprint=f"{t}-{service}")]
               for t in tenants for service in ("api", "db")]
    failures: list[int] = []

    def send(replica: Replica) -> None:
        for batch in batches:
            status = _post(replica, intake, batch).status_code
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=send, args=(r,)) for r in cluster["replicas"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    listed = _incidents(cluster["replicas"][0], admin)
    assert _stored(cluster["db"]) == (60, 30)  # api depends on db in the reference spec: related
    assert len(listed) == 30 and len({i["tenant"] for i in listed}) == 30


def test_in_process_runs_alone_on_postgresql(cluster: dict[str, Any], tmp_path: Path) -> None:
    alone = run_cli("serve", "--db", cluster["db"], "--spec", str(cluster["spec"]), "--port", str(free_port()), "--in-process")
    assert alone.returncode == 1 and "--in-process runs alone" in alone.stderr


def test_a_dashboard_on_one_replica_sees_at_once_what_another_replica_wrote(cluster: dict[str, Any]) -> None:
    """The live stream wakes on incident events; without them it would poll every 30 s."""
    from tenantwatch.web.live import SAFETY_POLL_SECONDS
    from tests.web.web_support import login

    intake, admin = cluster["keys"]["intake"], cluster["keys"]["admin"]
    leader, follower = sorted(cluster["replicas"], key=lambda r: not r.leads())
    with httpx.Client(base_url=follower.url, timeout=httpx.Timeout(10, read=SAFETY_POLL_SECONDS / 3)) as browser:
        login(browser, admin)
        with browser.stream("GET", "/ui/events") as stream:
            lines = stream.iter_lines()
            assert next(line for line in lines if line.startswith("event:")) == "event: snapshot"
            assert _post(leader, intake, [alert(tenant="acme", service="api", name="Live", fingerprint="live")]).status_code == 200
            assert next(line for line in lines if line.startswith("event:")) == "event: incident"
