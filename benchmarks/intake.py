"""Webhook intake throughput and latency of the engine, beside real Alertmanager's own intake.

Starts `tenantwatch serve` on SQLite (WAL, synchronous=FULL) and on a PostgreSQL server it
starts itself (initdb in a temp dir, fsync on), posts Alertmanager webhook payloads of 1 and
of 100 new alerts for 500 tenants from 8 client threads, and prints alerts/s and p50/p99
request latency; then the same client does the same against
`/usr/bin/prometheus-alertmanager`'s `/api/v2/alerts` (in memory) in the same run. Every 2xx
of the engine means the body is on disk (the intake log). The processing lag (2xx -> the
alerts are in incidents) is read from the engine's own histogram, and "processed/s" counts
alerts over the time until the backlog is empty, so a log that fills faster than it is
processed shows.

    .venv/bin/python benchmarks/intake.py [--requests 300] [--concurrency 8] [--skip-postgres]
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
from tests.conftest import free_port, postgres_server, wait_for_port  # noqa: E402

TENANTS = tuple(f"tenant-{n:03d}" for n in range(500))
SERVICES = ("api", "db", "cache", "recommender", "jobs")
_counter = itertools.count()


def engine_alert(now: str) -> dict[str, Any]:
    n = next(_counter)
    tenant, service = TENANTS[n % len(TENANTS)], SERVICES[n % len(SERVICES)]
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
    processing: Processing | None = None


@dataclass
class Processing:
    """The engine's side after the 2xx: lag quantiles and the rate until the backlog is empty."""

    lag_p50_ms: float
    lag_p99_ms: float
    processed_per_second: float


def measure(target: str, url: str | list[str], headers: dict[str, str], body: Callable[[int], Any], batch: int,
            requests: int, concurrency: int, settle: Callable[[float], Processing | None] | None = None) -> Result:
    """`settle(started)`, for the engine, waits for its backlog to empty and reads its lag.
    Several URLs (replicas behind a load balancer) are shared out among the client threads."""
    urls = [url] if isinstance(url, str) else url
    bodies = [json.dumps(body(batch)).encode() for _ in range(requests)]  # built and encoded before the clock starts
    headers = {**headers, "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    work = iter(bodies)

    def client(url: str) -> None:
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
    threads = [threading.Thread(target=client, args=(urls[n % len(urls)],)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    processing = settle(started) if settle else None
    return Result(target, batch, requests * batch / wall, *quantiles_ms(latencies), errors[0], processing)


def quantiles_ms(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


class EngineScrape:
    """The engine's /metrics: backlog gauge and processing-lag histogram (cumulative buckets)."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/metrics"
        self.baseline = self.buckets()

    def _samples(self) -> list[tuple[str, dict[str, str], float]]:
        from prometheus_client.parser import text_string_to_metric_families
        text = httpx.get(self.url, timeout=10).text
        return [(s.name, s.labels, s.value) for f in text_string_to_metric_families(text) for s in f.samples]

    def backlog(self) -> float:
        """0 for an engine without an intake log (it answered after processing)."""
        return next((v for name, _, v in self._samples() if name == "tenantwatch_intake_backlog"), 0.0)

    def buckets(self) -> dict[float, float]:
        return {float(labels["le"]): v for name, labels, v in self._samples()
                if name == "tenantwatch_intake_processing_lag_seconds_bucket"}

    def settle(self, started: float, alerts: int) -> Processing | None:
        while self.backlog() > 0:
            time.sleep(0.01)
        processed = alerts / (time.perf_counter() - started)
        now = self.buckets()
        if not now:  # an engine without an intake log: processing was part of the answer
            return None
        delta = {le: now[le] - self.baseline.get(le, 0.0) for le in now}
        self.baseline = now
        return Processing(bucket_quantile(0.5, delta) * 1000, bucket_quantile(0.99, delta) * 1000, processed)


def bucket_quantile(q: float, cumulative: dict[float, float]) -> float:
    """Prometheus's histogram_quantile: linear interpolation inside the bucket holding q."""
    bounds = sorted(cumulative)
    total = cumulative[bounds[-1]]
    rank, lower, below = q * total, 0.0, 0.0
    for le in bounds:
        if cumulative[le] >= rank:
            if le == float("inf"):
                return lower
            return lower + (le - lower) * (rank - below) / max(cumulative[le] - below, 1e-12)
        lower, below = le, cumulative[le]
    return lower


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


@dataclass
class EngineTarget:
    url: str
    headers: dict[str, str]
    metrics: EngineScrape


@contextmanager
def engine(db: str, workdir: Path) -> Iterator[EngineTarget]:
    cli = [sys.executable, "-m", "tenantwatch.cli"]
    key = subprocess.run([*cli, "keys", "create", "--intake", "--db", db], capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    with running([*cli, "serve", "--db", db, "--port", str(port)], port, workdir):
        base = f"http://127.0.0.1:{port}"
        yield EngineTarget(f"{base}/api/v1/alertmanager", {"Authorization": f"Bearer {key}"}, EngineScrape(base))


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
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    console = Console()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        work = Path(tmp)
        if os.geteuid() == 0:
            os.chmod(work, 0o755)
        targets: list[tuple[str, Callable[[], Any]]] = [("engine, SQLite", lambda: engine(f"sqlite:///{work / 'bench.db'}", work))]
        if not args.skip_postgres:
            targets.append(("engine, PostgreSQL (fsync on)", lambda: _engine_on_postgres(work)))
        for name, start in targets:
            with console.status(f"benchmarking {name}"), start() as target:
                for batch in (1, 100):
                    results.append(measure(name, target.url, target.headers, engine_body, batch, args.requests,
                                           args.concurrency, lambda t0, b=batch: target.metrics.settle(t0, b * args.requests)))
        with console.status("benchmarking Alertmanager"), alertmanager(work) as url:
            for batch in (1, 100):
                results.append(measure("Alertmanager /api/v2/alerts", url, {}, alertmanager_body, batch,
                                       args.requests, args.concurrency))
    console.print(report(results, f"webhook intake, {args.requests} requests x {args.concurrency} clients, "
                                  f"{len(TENANTS)} tenants, {os.cpu_count()} CPUs"))


def report(results: list[Result], title: str) -> Table:
    anchor = {r.batch: r.alerts_per_second for r in results if r.target.startswith("Alertmanager")}
    table = Table("target", "alerts/request", "alerts/s", "vs Alertmanager", "p50 ms", "p99 ms", "errors",
                  "lag p50 ms", "lag p99 ms", "processed/s", title=title)
    for r in results:
        p = r.processing
        table.add_row(r.target, str(r.batch), f"{r.alerts_per_second:,.0f}", f"{r.alerts_per_second / anchor[r.batch]:.2f}",
                      f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", str(r.errors),
                      *((f"{p.lag_p50_ms:.1f}", f"{p.lag_p99_ms:.1f}", f"{p.processed_per_second:,.0f}") if p else ("", "", "")))
    table.caption = ("engine: a 2xx means on disk (SQLite synchronous=FULL, PostgreSQL fsync on); lag = 2xx -> in "
                     "incidents (engine histogram); processed/s = alerts / time until the backlog is empty")
    return table


@contextmanager
def _engine_on_postgres(work: Path) -> Iterator[EngineTarget]:
    with postgres_server(fsync=True) as db, engine(db, work) as target:
        yield target


if __name__ == "__main__":
    main()
