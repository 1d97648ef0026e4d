"""Notification delivery and Redis eviction speed, beside the tools a user would otherwise pick.

1. Sending: N notifications, one at a time, to a local HTTP server on 127.0.0.1, through
   tenantwatch's `deliver()` (Slack payload, pooled httpx client) and through apprise's
   generic `json://` plugin (a fresh requests call per message). Prints messages/s and
   p50/p99 latency of each.
2. Eviction: a redis-server on a free port with K keys matching `cache:*` among 2K; time of
   `redis_evict` (SCAN + UNLINK batches) against `redis-cli --scan --pattern 'cache:*' |
   xargs redis-cli unlink`, the usual shell answer.

    .venv/bin/pip install -e '.[bench]'   # apprise, for the comparison only
    .venv/bin/python benchmarks/channels_and_remediation.py [--messages 500] [--keys 100000]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import apprise
import redis
from rich.console import Console
from rich.table import Table

from tenantwatch.channels import Notification, deliver
from tenantwatch.remediation.redis_evict import evict
from tenantwatch.spec.models import SlackChannel


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # like a real server: no 40 ms delayed-ACK stall on keep-alive

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def timed(send: Callable[[], bool], count: int) -> tuple[float, float, float]:
    """(messages/s, p50 ms, p99 ms) of `count` sequential sends; every send must succeed."""
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        assert send(), "a send failed"
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return count / elapsed, statistics.median(latencies), latencies[int(0.99 * (count - 1))]


def bench_sending(count: int) -> list[tuple[str, str, str, str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    notification = Notification(incident_id=1, tenant="acme", title="API latency above objective", severity="critical",
                                event="trigger", level="L1", services=("api",), root_cause="db", summary="p95 870ms")
    slack = SlackChannel(type="slack", webhook_url=f"http://127.0.0.1:{port}/services/T/B/X")
    hub = apprise.Apprise()
    hub.add(f"json://127.0.0.1:{port}/hook")
    rows = []
    for name, send in (("tenantwatch deliver() (Slack payload)", lambda: deliver(slack, notification, {}).ok),
                       ("apprise json://", lambda: hub.notify(title="API latency above objective", body="p95 870ms"))):
        rate, p50, p99 = timed(send, count)
        rows.append((name, f"{rate:,.0f}", f"{p50:.2f}", f"{p99:.2f}"))
    server.shutdown()
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(client: redis.Redis, keys: int) -> None:
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        pipe.set(f"cache:{i}", b"x" * 32)
        pipe.set(f"session:{i}", b"y" * 32)
    pipe.execute()


def bench_eviction(keys: int) -> list[tuple[str, str, str, str]]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        shell = (f"redis-cli -p {port} --scan --pattern 'cache:*' | xargs -r -n 1000 redis-cli -p {port} unlink"
                 " > /dev/null")
        rows = []
        for name, run in (("tenantwatch redis_evict", lambda: evict(client, "cache:*", keys * 2)),
                          ("redis-cli --scan | xargs unlink", lambda: subprocess.run(shell, shell=True, check=True))):
            client.flushdb()
            fill(client, keys)
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            left, kept = len(client.keys("cache:*")), client.dbsize()
            rows.append((name, f"{elapsed:.2f}", f"{keys / elapsed:,.0f}", f"{left} left, {kept} others kept"))
        return rows
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--keys", type=int, default=100_000)
    args = parser.parse_args()
    console = Console()
    table = Table("sender", "messages/s", "p50 ms", "p99 ms", title=f"{args.messages} notifications to a local HTTP server")
    for row in bench_sending(args.messages):
        table.add_row(*row)
    console.print(table)
    table = Table("evictor", "seconds", "keys/s", "result", title=f"evict {args.keys:,} of {2 * args.keys:,} Redis keys")
    for row in bench_eviction(args.keys):
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
