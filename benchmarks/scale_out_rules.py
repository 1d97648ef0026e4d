"""Rule evaluation per Prometheus shard as tenants grow, beside the single node.

For 1 000 and 10 000 tenants a local exporter serves the series the rendered HTTP rules
read (requests by code and the latency histogram: 12 series a tenant); tenantwatch renders
the spec for 1 Prometheus (the single-node prometheus.yml) and for 2 and 4 shards, and a
real Prometheus runs the largest shard (the one assignment.json gives the most tenants)
from its run file, alone: in production each shard has its own machine, and two cores
shared by four shards would measure the contention, not the shard. Once the shard holds
rates for its tenants, the script reads the sum of `prometheus_rule_group_last_duration_seconds`
(every group's last evaluation time) after each of two rounds of the slowest group, and
prints the median: the time the shard spends on one round of every rule.

    .venv/bin/python benchmarks/scale_out_rules.py [--sizes 1000,10000] [--shards 1,2,4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tenantwatch.render import RenderOptions, render_tree  # noqa: E402
from tenantwatch.render.emit import write_tree  # noqa: E402
from tenantwatch.spec import Spec, load_text  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.render.am_live import running  # noqa: E402
from tests.render.prom_exporter import exporter  # noqa: E402

PROMETHEUS = "/usr/bin/prometheus"
BUCKETS = {"0.05": 0.5, "0.1": 0.7, "0.2": 0.85, "0.5": 0.95, "1": 0.98, "2": 0.99, "5": 1.0, "+Inf": 1.0}
ROUNDS = 2
console = Console()


def series(tenants: list[str]) -> dict[str, float]:
    """Counters and their rate per second: 12 series a tenant."""
    rates: dict[str, float] = {}
    for t in tenants:
        rates[f'http_requests_total{{tenant="{t}",handler="/api",method="GET",code="200"}}'] = 9.9
        rates[f'http_requests_total{{tenant="{t}",handler="/api",method="GET",code="500"}}'] = 0.1
        for le, share in BUCKETS.items():
            rates[f'http_request_duration_seconds_bucket{{tenant="{t}",handler="/api",le="{le}"}}'] = 10 * share
        rates[f'http_request_duration_seconds_sum{{tenant="{t}",handler="/api"}}'] = 1.2
        rates[f'http_request_duration_seconds_count{{tenant="{t}",handler="/api"}}'] = 10.0
    return rates


def spec(tenants: list[str], target: str, shards: list[str]) -> Spec:
    tiers = ("enterprise", "standard", "free")
    lines = "\n".join(f"  {t}: {{tier: {tiers[i % 3]}}}" for i, t in enumerate(tenants))
    scale = (f"scale_out: {{prometheus_shards: {len(shards)}, shard_addresses: [{', '.join(shards)}]}}\n"
             if len(shards) > 1 else "")
    text = f"""\
version: 1
platform: bench
discovery: static
alert_delivery: alertmanager
channels: {{chat: {{type: webhook, url: "http://127.0.0.1:1/"}}}}
escalation: [{{level: L1, after: 0m, notify: [chat]}}]
prometheus: {{listen_address: "{shards[0]}", alertmanager: "127.0.0.1:1"}}
tiers:
  enterprise: {{objectives: {{availability: 99.95%, latency_p95: 200ms}}}}
  standard: {{}}
  free: {{page: false, objectives: {{latency_p95: 1s}}}}
services:
  api: {{kind: http, targets: ["{target}"]}}
tenants:
{lines}
{scale}"""
    result = load_text(text, environ={})
    assert result.spec is not None, result.issues
    return result.spec


def metric(url: str, promql: str) -> float:
    result = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=30).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def wait(what: str, condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(1.0)


def round_times(url: str) -> list[float]:
    """The sum of every group's last evaluation time, after each of ROUNDS rounds of the slowest group."""
    rounds = "min(prometheus_rule_group_iterations_total)"
    times, seen = [], metric(url, rounds)
    while len(times) < ROUNDS:
        wait("a new evaluation round", lambda: metric(url, rounds) > seen)
        seen = metric(url, rounds)
        times.append(metric(url, "sum(prometheus_rule_group_last_duration_seconds)"))
    return times


def measure(tenants: list[str], target: str, shard_count: int, root: Path) -> tuple[int, float]:
    """(tenants on the largest shard, its median seconds per evaluation round)."""
    ports = [free_port() for _ in range(shard_count)]
    the_spec = spec(tenants, target, [f"127.0.0.1:{p}" for p in ports])
    write_tree(root, render_tree(the_spec, RenderOptions(profile="fast"), ["prometheus"]))
    prom = root / "prometheus"
    started: list[subprocess.Popen] = []
    with contextlib.ExitStack() as stack:
        if shard_count == 1:
            argv = [PROMETHEUS, f"--config.file={prom / 'prometheus.yml'}", f"--web.listen-address=127.0.0.1:{ports[0]}",
                    f"--storage.tsdb.path={prom / 'data'}"]
            url, owned = stack.enter_context(running(argv, ports[0], prom / "prometheus.log", started)), len(tenants)
        else:
            per_shard = json.loads((prom / "shards/assignment.json").read_text())["tenants_per_shard"]
            largest = per_shard.index(max(per_shard))
            run = prom / f"shards/shard-{largest}/run.sh"
            url, owned = stack.enter_context(running(["sh", str(run)], ports[largest], run.with_suffix(".log"), started)), max(per_shard)
        # a shard in the middle of a long round may take more than the helper's 30 s to stop
        stack.callback(lambda: [proc.kill() for proc in started])
        # rates exist for the shard's tenants: the rules work on full data
        wait("rates on the shard", lambda: metric(url, "count(tenant_service:http_requests:rate5m)") >= owned)
        return owned, statistics.median(round_times(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--shards", default="1,2,4")
    args = parser.parse_args()
    os.environ.setdefault("PROMETHEUS", PROMETHEUS)
    shard_counts = [int(s) for s in args.shards.split(",")]
    table = Table("tenants", "shards", "tenants on the largest shard", "its series", "one evaluation round (ms)",
                  "vs single node", title="rule evaluation per Prometheus shard (fast profile, 5 s interval)")
    for size in (int(s) for s in args.sizes.split(",")):
        tenants = [f"t{i:05d}" for i in range(size)]
        with exporter(series(tenants)) as target:
            single = None
            for count in shard_counts:
                with tempfile.TemporaryDirectory(prefix="tw-shards-") as tmp:
                    started = time.monotonic()
                    owned, seconds = measure(tenants, target, count, Path(tmp))
                single = single if single is not None else seconds
                table.add_row(str(size), str(count), f"{owned:,}", f"{12 * owned:,}", f"{seconds * 1000:.0f}",
                              f"{seconds / single:.2f}x")
                console.print(f"{size} tenants, {count} shard(s): {seconds * 1000:.0f} ms a round on the largest shard "
                              f"({owned} tenants; measured in {time.monotonic() - started:.0f} s)")
    console.print(table)


if __name__ == "__main__":
    main()
