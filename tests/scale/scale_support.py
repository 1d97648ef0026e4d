"""Specs and helpers of the scale-out tests: a sharded platform, its rendered tree, what a
shard's prometheus.yml says, and (for the live tests) its exporters, run files and APIs."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import yaml

from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.render.emit import write_tree
from tenantwatch.spec import Spec, load_text
from tests.conftest import free_port
from tests.render.am_live import running
from tests.render.prom_exporter import exporter

TENANTS = [f"tenant-{i:02d}" for i in range(20)]
PROMETHEUS = "/usr/bin/prometheus"
TENANTLESS = "api_build_info"  # a sample of a per-tenant job without a tenant label


def sharded_text(*, shards: list[str], alertmanagers: list[tuple[str, str]], exporter: str, db: str,
                 engine: str = "http://127.0.0.1:8080", key_file: str = "/etc/tenantwatch/intake.key",
                 global_view: str = "none", tenant_targets: str = "{}", designated: int = 0,
                 engine_urls: list[str] | None = None, extra: str = "") -> str:
    """A static-discovery platform: `api` per tenant (one exporter labels every tenant's
    series), `jobs` per tenant with its own instances, `db` shared; 20 tenants. `engine_urls`
    lists engine replicas; `extra` is appended (top-level keys such as channels)."""
    ams = "\n".join(f"    - {{address: {a}, cluster: {c}}}" for a, c in alertmanagers)
    tenants = "\n".join(f"  {t}: {{}}" for t in TENANTS)
    engine_replicas = (f"  engine_replicas: {len(engine_urls)}\n  engine_urls: [{', '.join(engine_urls)}]\n"
                       if engine_urls else "")
    return f"""\
version: 1
platform: sharded
discovery: static
engine: {{url: {engine}, intake_key_file: {key_file}}}
services:
  api: {{kind: http, targets: [{exporter}]}}
  jobs: {{kind: worker, tenant_targets: {tenant_targets}}}
  db: {{kind: postgres, shared: true, targets: [{db}]}}
tenants:
{tenants}
scale_out:
  prometheus_shards: {len(shards)}
  shard_addresses: [{", ".join(shards)}]
  shared_services_shard: {designated}
  alertmanager_replicas: {len(alertmanagers)}
  alertmanagers:
{ams}
  global_view: {global_view}
{engine_replicas}{extra}"""


def spec_of(text: str) -> Spec:
    result = load_text(text, environ={})
    assert result.spec is not None, result.issues
    return result.spec


def render_into(spec: Spec, out: Path, profile: str = "standard") -> dict[str, dict[str, str]]:
    tree = render_tree(spec, RenderOptions(profile=profile))
    write_tree(out, tree)
    return tree


def jobs(config_text: str) -> dict[str, dict]:
    return {job["job_name"]: job for job in yaml.safe_load(config_text)["scrape_configs"]}


def platform_exporters(stack: contextlib.ExitStack) -> tuple[str, str]:
    """The `api` exporter (one request counter per tenant, and a tenantless sample) and the
    shared `db` exporter, as host:port; they stop when `stack` closes."""
    series = {f'http_requests_total{{tenant="{t}",handler="/api",method="GET",code="200"}}': 1.0 for t in TENANTS}
    api = stack.enter_context(exporter(series, {TENANTLESS: 1.0}))
    db = stack.enter_context(exporter({}, {"pg_up": 1.0, "pg_settings_max_connections": 100.0}))
    return api, db


def port_pair() -> int:
    """A free port whose next port is free too (Thanos' second listener takes the next one)."""
    while True:
        port = free_port()
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port + 1))
            return port


def run_files(stack: contextlib.ExitStack, binaries: dict[str, str]) -> Callable[..., str]:
    """`start(run_file, port, started=None)` runs a rendered run file (`sh FILE`) with
    `binaries` in its environment (the run files pick them from there: Debian's names, a built
    Thanos) until 127.0.0.1:port answers /-/ready, and yields its URL; it stops when `stack`
    closes. `started` receives the process, for a test that kills it."""
    def start(run_file: Path, port: int, started: list[subprocess.Popen] | None = None) -> str:
        with _environment(binaries):
            return stack.enter_context(running(["sh", str(run_file)], port, run_file.with_suffix(".log"), started))
    return start


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def poll(what: str, find: Callable[[], object], timeout: float = 90.0) -> object:
    """The first truthy answer of `find`, asked every half second (the APIs are the events)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := find():
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not seen within {timeout}s")


def query(url: str, promql: str) -> list[dict]:
    return httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=10).json()["data"]["result"]


def tenants_with(url: str, promql: str) -> dict[str, dict]:
    return {series["metric"]["tenant"]: series["metric"] for series in query(url, promql) if "tenant" in series["metric"]}
