"""Webhook intake throughput and latency of the engine, beside real Alertmanager's own intake.

Starts `tenantwatch serve` on SQLite (WAL, synchronous=FULL) and on a PostgreSQL server it
starts itself (the test suite's fixture: initdb in a temp dir), posts Alertmanager webhook
payloads of 1 and of 100 new alerts from a few client threads, and prints alerts/s and
p50/p99 request latency; then does the same against `/usr/bin/prometheus-alertmanager`'s
`/api/v2/alerts` on this machine. Every request of the engine is a committed transaction.
A row "in-process" measures the engine's intake alone (no HTTP, no client sharing the CPUs).

    .venv/bin/python benchmarks/intake.py [--requests 300] [--concurrency 4] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import free_port, postgres_url, wait_for_port  # noqa: E402

TENANTS = ("acme", "globex", "initech")
SERVICES = ("api", "db", "cache", "recommender", "jobs")
_counter = itertools.count()


def engine_alert(now: str) -> dict[str, Any]:
    n = next(_counter)
    tenant, service = TENANTS[n % 3], SERVICES[n % 5]
    return {"status": "firing", "labels": {"alertname": f"Bench{n % 11}", "tenant": tenant, "service": service,
                                           "severity": "warning", "instance": f"i{n}"},
            "annotations": {"summary": "benchmark"}, "startsAt": now, "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus/graph", "fingerprint": f"{n:016x}"}


def engine_body(batch: int) -> dict[str, Any]:
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    return {"version": "4", "status": "firing", "receiver": "tenantwatch-engine", "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "", "groupKey": "bench", "truncatedAlerts": 0,
            "alerts": [engine_alert(now) for _ in range(batch)]}


def alertmanager_body(batch: int) -> list[dict[str, Any]]:
    return [{"labels": a["labels"], "annotations": a["annotations"], "startsAt": a["startsAt"],
             "generatorURL": a["generatorURL"]} for a in engine_body(batch)["alerts"]]


@dataclass
class Result:
    target: str
    batch: int
    alerts_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def measure(target: str, url: str, headers: dict[str, str], body: Callable[[int], Any], batch: int,
            requests: int, concurrency: int) -> Result:
    bodies = [json.dumps(body(batch)).encode() for _ in range(requests)]  # built and encoded before the clock starts
    headers = {**headers, "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    work = iter(bodies)

    def client() -> None:
        with httpx.Client(timeout=30, headers=headers) as http:
            while True:
                with lock:
                    payload = next(work, None)
                if payload is None:
                    return
                started = time.perf_counter()
                response = http.post(url, content=payload)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    errors[0] += response.status_code >= 300

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return Result(target, batch, requests * batch / wall, statistics.median(latencies) * 1000,
                  latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, errors[0])


def measure_in_process(db: str, batch: int, requests: int) -> Result:
    """The engine's own share, without HTTP or a client on the same CPUs: each payload parsed,
    validated and committed (WAL, synchronous=FULL) one after another in this process."""
    from tenantwatch.engine.app import create_app
    from tenantwatch.engine.config import EngineConfig
    from tenantwatch.engine.intake.payload import WebhookIn
    from tenantwatch.engine.server import load_engine_spec
    from tenantwatch.engine.store import open_store

    store = open_store(db)
    service = create_app(EngineConfig(spec=load_engine_spec(None)), store, run_scheduler=False).state.engine
    bodies = [json.dumps(engine_body(batch)).encode() for _ in range(requests)]
    latencies: list[float] = []
    started = time.perf_counter()
    for body in bodies:
        begun = time.perf_counter()
        service.intake(WebhookIn.model_validate_json(body), "bench")
        latencies.append(time.perf_counter() - begun)
    wall = time.perf_counter() - started
    store.close()
    latencies.sort()
    return Result("engine in-process, SQLite (no HTTP)", batch, requests * batch / wall, statistics.median(latencies) * 1000,
                  latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 0)


@contextmanager
def running(argv: list[str], port: int, cwd: Path) -> Iterator[None]:
    """A server process, up once it listens on `port`, stopped on exit."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=60, proc=proc)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def engine(db: str, workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    cli = [sys.executable, "-m", "tenantwatch.cli"]
    key = subprocess.run([*cli, "keys", "create", "--intake", "--db", db], capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    with running([*cli, "serve", "--db", db, "--port", str(port)], port, workdir):
        yield f"http://127.0.0.1:{port}/api/v1/alertmanager", {"Authorization": f"Bearer {key}"}


# The test suite's PostgreSQL fixture (initdb in a temp dir, 127.0.0.1, stopped after), as a
# context manager: the same server setup the store tests run against.
postgres = contextmanager(postgres_url.__wrapped__)


@contextmanager
def alertmanager(workdir: Path) -> Iterator[str]:
    config = workdir / "alertmanager.yml"
    config.write_text("route: {receiver: none}\nreceivers: [{name: none}]\n")
    port, cluster = free_port(), free_port()
    with running(["/usr/bin/prometheus-alertmanager", f"--config.file={config}", f"--storage.path={workdir / 'am'}",
                  f"--web.listen-address=127.0.0.1:{port}", f"--cluster.listen-address=127.0.0.1:{cluster}"], port, workdir):
        yield f"http://127.0.0.1:{port}/api/v2/alerts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per (target, batch size)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    console = Console()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        work = Path(tmp)
        targets: list[tuple[str, Callable[[], Any]]] = [("engine, SQLite", lambda: engine(f"sqlite:///{work / 'bench.db'}", work))]
        if not args.skip_postgres:
            targets.append(("engine, PostgreSQL", lambda: _engine_on_postgres(work)))
        for name, start in targets:
            with console.status(f"benchmarking {name}"), start() as (url, headers):
                for batch in (1, 100):
                    results.append(measure(name, url, headers, engine_body, batch, args.requests, args.concurrency))
        with console.status("benchmarking the engine in-process"):
            for batch in (1, 100):
                results.append(measure_in_process(f"sqlite:///{work / f'in-process-{batch}.db'}", batch, args.requests))
        with console.status("benchmarking Alertmanager"), alertmanager(work) as url:
            for batch in (1, 100):
                results.append(measure("Alertmanager /api/v2/alerts", url, {}, alertmanager_body, batch,
                                       args.requests, args.concurrency))
    table = Table("target", "alerts/request", "alerts/s", "p50 ms", "p99 ms", "errors",
                  title=f"webhook intake, {args.requests} requests x {args.concurrency} clients, {os.cpu_count()} CPUs")
    for r in results:
        table.add_row(r.target, str(r.batch), f"{r.alerts_per_second:,.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", str(r.errors))
    table.caption = "PostgreSQL is the test fixture's server (fsync=off); SQLite runs with synchronous=FULL"
    console.print(table)


@contextmanager
def _engine_on_postgres(work: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with postgres() as db, engine(db, work) as target:
        yield target


if __name__ == "__main__":
    main()
