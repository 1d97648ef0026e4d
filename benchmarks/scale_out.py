"""Engine replicas on one PostgreSQL: webhook intake and processing lag with 1, 2 and 4
`tenantwatch serve` replicas, beside the single engine and Alertmanager.

Starts a PostgreSQL server itself (initdb in a temp dir, fsync on), then for each replica
count a fresh database and that many `tenantwatch serve` processes on it. The client threads
are shared out among the replicas as a load balancer would (batches of 100 new alerts, 500
tenants); every 2xx means the body is in the shared intake log. Processing (one leader at a
time) is read from the leader's lag histogram, and "processed/s" counts alerts until every
replica's backlog is empty.

    .venv/bin/python benchmarks/scale_out.py [--requests 600] [--concurrency 8] [--replicas 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from rich.console import Console
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.intake import (EngineScrape, Processing, Result, alertmanager, alertmanager_body, engine_body,  # noqa: E402
                               measure, report, running)
from tests.conftest import free_port, postgres_server  # noqa: E402

CLI = [sys.executable, "-m", "tenantwatch.cli"]


@contextmanager
def replicas(server: str, count: int, workdir: Path) -> Iterator[tuple[list[str], dict[str, str], list[EngineScrape]]]:
    """`count` replicas on a new database of `server`: their webhook URLs, the intake key's
    header and their /metrics."""
    db = server.rsplit("/", 1)[0] + "/b_" + uuid.uuid4().hex[:10]
    admin = create_engine(server.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{db.rsplit("/", 1)[1]}"'))
    admin.dispose()
    key = subprocess.run([*CLI, "keys", "create", "--intake", "--db", db], capture_output=True, text=True,
                         check=True).stdout.strip()
    with ExitStack() as stack:
        bases = []
        for _ in range(count):
            port = free_port()
            stack.enter_context(running([*CLI, "serve", "--db", db, "--port", str(port)], port, workdir))
            bases.append(f"http://127.0.0.1:{port}")
        yield ([f"{b}/api/v1/alertmanager" for b in bases], {"Authorization": f"Bearer {key}"},
               [EngineScrape(b) for b in bases])


def settle_all(scrapes: list[EngineScrape], started: float, alerts: int) -> Processing | None:
    """Wait until every replica's backlog is empty; the lag as the leader measured it."""
    for scrape in scrapes:
        while scrape.backlog() > 0:
            time.sleep(0.01)
    leader = next(s for s in scrapes if "tenantwatch_engine_leader 1.0" in httpx.get(s.url, timeout=10).text)
    return leader.settle(started, alerts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600, help="webhook requests of 100 alerts per replica count")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    console = Console(width=max(Console().width, 160))  # the table stays readable when piped to a file
    results: list[Result] = []
    batch = 100
    with tempfile.TemporaryDirectory(prefix="tw-scale-") as tmp, postgres_server(fsync=True) as server:
        work = Path(tmp)
        if os.geteuid() == 0:
            os.chmod(work, 0o755)
        for count in args.replicas:
            with console.status(f"{count} replica(s)"), replicas(server, count, work) as (urls, headers, scrapes):
                results.append(measure(f"{count} replica(s), PostgreSQL", urls, headers, engine_body, batch,
                                       args.requests, max(args.concurrency, count),
                                       lambda t0: settle_all(scrapes, t0, batch * args.requests)))
        with console.status("Alertmanager"), alertmanager(work) as url:
            results.append(measure("Alertmanager /api/v2/alerts", url, {}, alertmanager_body, batch, args.requests,
                                   args.concurrency))
    console.print(report(results, f"engine replicas (load-balanced), {args.requests} requests x {batch} alerts, "
                                  f"{os.cpu_count()} CPUs"))


if __name__ == "__main__":
    main()
