"""`tenantwatch serve` and `tenantwatch keys create` as real processes: the key is printed
alone, the service answers, and a kill -9 never loses an alert whose request got a 2xx."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import httpx
from sqlalchemy import select

from tenantwatch.engine.store import open_store
from tenantwatch.engine.store.models import Alert
from tests.conftest import free_port, wait_for_port
from tests.engine.conftest import alert, webhook

CLI = [sys.executable, "-m", "tenantwatch.cli"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def start_server(db: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([*CLI, "serve", "--db", db, "--port", str(port), "--tick", "0.2"], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_for_port(port, timeout=60, proc=proc)
    return proc


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_keys_create_prints_the_key_alone_and_refuses_bad_flags(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    created = run_cli("keys", "create", "--tenant", "acme", "--name", "alice", "--db", db)
    assert created.returncode == 0, created.stderr
    assert created.stdout.count("\n") == 1 and created.stdout.startswith("tw_") and len(created.stdout.strip()) > 40
    both = run_cli("keys", "create", "--admin", "--intake", "--db", db)
    assert both.returncode == 2 and "exactly one of" in both.stderr and both.stdout == ""
    bad = run_cli("keys", "create", "--tenant", "Not_A_Tenant", "--db", db)
    assert bad.returncode == 2 and "--tenant" in bad.stderr


def test_serve_answers_and_kill_9_loses_no_acknowledged_alert(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    key = run_cli("keys", "create", "--intake", "--db", db).stdout.strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(db, port, tmp_path)
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"} and client.get("/readyz").status_code == 200
        assert client.post("/api/v1/alertmanager", json=webhook([alert()])).status_code == 401

    acknowledged: list[str] = []
    stop = threading.Event()

    def post_alerts() -> None:
        n = 0
        with httpx.Client(base_url=url, timeout=5, headers={"Authorization": f"Bearer {key}"}) as client:
            while not stop.is_set():
                n += 1
                fingerprint = f"kill-{n}"
                try:
                    response = client.post("/api/v1/alertmanager", json=webhook([alert(
                        service="jobs", name=f"Q{n % 7}", fingerprint=fingerprint)]))
                except httpx.HTTPError:
                    continue  # the server is down or was killed mid-request: not acknowledged
                if response.status_code == 200:
                    acknowledged.append(fingerprint)

    poster = threading.Thread(target=post_alerts)
    poster.start()
    rng = random.Random(4)
    try:
        for _ in range(3):  # kill right after a random number of acknowledged posts, mid-traffic
            wait_until(lambda quota=len(acknowledged) + rng.randint(5, 60): len(acknowledged) >= quota)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc = start_server(db, port, tmp_path)
        wait_until(lambda quota=len(acknowledged) + 10: len(acknowledged) >= quota)
    finally:
        stop.set()
        poster.join()
        proc.terminate()
        proc.wait(timeout=30)
    store = open_store(db)
    with store.read() as session:
        stored = set(session.scalars(select(Alert.fingerprint)))
    store.close()
    missing = [f for f in acknowledged if f not in stored]
    assert len(acknowledged) > 40 and missing == []


def test_serve_refuses_a_bad_spec_or_database_with_a_clear_message(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tenantwatch.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nplatform: x\nservices: {api: {kind: http}}\nescalation: [{level: L9}]\n")
    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--spec", str(bad), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2 and "escalation[0].level" in result.output
    result = runner.invoke(app, ["serve", "--db", "mysql://u@localhost/db"])
    assert result.exit_code == 1 and "--db: unsupported database 'mysql'" in result.output
    result = runner.invoke(app, ["serve", "--correlation-window", "soon"])
    assert result.exit_code == 2 and "--correlation-window" in result.output


def _heartbeat(metrics: str) -> float:
    """When the scheduler last completed a pass, as /metrics says (0 before its first)."""
    [line] = [line for line in metrics.splitlines() if line.startswith("tenantwatch_scheduler_last_run_timestamp_seconds ")]
    return float(line.split()[1])


def _worker_pids(server_pid: int) -> list[int]:
    """The worker processes `serve` started (multiprocessing's spawned children)."""
    def cmdline(pid: str) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
        except OSError:  # it ended meanwhile
            return ""

    children = [pid for task in Path(f"/proc/{server_pid}/task").iterdir() for pid in (task / "children").read_text().split()]
    return [int(pid) for pid in children if "spawn_main" in cmdline(pid)]


def test_a_worker_killed_mid_traffic_is_started_again_and_every_accepted_alert_becomes_an_incident(tmp_path: Path) -> None:
    """The processor and the scheduler run in a worker process; the answering process keeps
    answering while it is gone and starts it again, and the new worker replays the log."""
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    intake = run_cli("keys", "create", "--intake", "--db", db).stdout.strip()
    admin = run_cli("keys", "create", "--admin", "--db", db).stdout.strip()
    port = free_port()
    proc = start_server(db, port, tmp_path)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            def post(n: int) -> None:
                alerts = [alert(tenant="acme", service="jobs", name=f"Killed{n}", fingerprint=f"w-{n}-{i}") for i in range(20)]
                assert client.post("/api/v1/alertmanager", json=webhook(alerts), headers={"Authorization": f"Bearer {intake}"}).status_code == 200

            wait_until(lambda: len(_worker_pids(proc.pid)) == 1)
            [first] = _worker_pids(proc.pid)
            for n in range(5):
                post(n)
            os.kill(first, signal.SIGKILL)
            for n in range(5, 10):  # answered while no worker runs: they wait in the log
                post(n)
            wait_until(lambda: _worker_pids(proc.pid) not in ([], [first]))
            listed = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {admin}"})  # waits for the worker
            assert listed.status_code == 200 and listed.json()["items"]
            metrics = client.get("/metrics").text
            assert 'tenantwatch_intake_errors_total{reason="set_aside"}' not in metrics
            wait_until(lambda: _heartbeat(client.get("/metrics").text) > 0)  # the worker's scheduler metric reaches /metrics
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    store = open_store(db)
    with store.read() as session:
        placed = dict(session.execute(select(Alert.fingerprint, Alert.incident_id)).all())
    store.close()
    assert sorted(placed) == sorted(f"w-{n}-{i}" for n in range(10) for i in range(20))
    assert None not in placed.values()


def test_serve_in_process_runs_the_processor_and_the_scheduler_as_threads(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    intake = run_cli("keys", "create", "--intake", "--db", db).stdout.strip()
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", db, "--port", str(port), "--tick", "0.2", "--in-process"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60, proc=proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            answer = client.post("/api/v1/alertmanager", params={"wait": "true"}, json=webhook([alert()]),
                                 headers={"Authorization": f"Bearer {intake}"})
            assert answer.status_code == 200 and answer.json()["processed"] is True and answer.json()["new"] == 1
            wait_until(lambda: _heartbeat(client.get("/metrics").text) > 0)  # the scheduler has run
        assert _worker_pids(proc.pid) == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_second_serve_on_the_same_sqlite_database_is_refused(tmp_path: Path) -> None:
    """It would run a second scheduler, and messages would go out twice."""
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    port = free_port()
    proc = start_server(db, port, tmp_path)
    try:
        second = run_cli("serve", "--db", db, "--port", str(free_port()))
        assert second.returncode == 1, second.stderr
        assert f"another tenantwatch serve (pid {proc.pid})" in second.stderr and "PostgreSQL" in second.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    third = subprocess.Popen([*CLI, "serve", "--db", db, "--port", str(port)], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60, proc=third)  # once the first has stopped, the database is free again
    finally:
        third.terminate()
        third.wait(timeout=30)
