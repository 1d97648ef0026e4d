"""`tenantwatch simulate` as a user runs it: serves the spec's series (one port per service on
request), takes faults over HTTP, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

from tenantwatch.demo.procs import port_listening

SPEC = "version: 1\nplatform: p\nservices: {web: {kind: http}, store: {kind: postgres}}\ntenants: {north: {}, south: {}}\n"
SHARED = ("version: 1\nplatform: p\nservices: {web: {kind: http, depends_on: [store]}, "
          "store: {kind: postgres, shared: true}}\ntenants: {north: {}}\n")


@contextmanager
def simulating(spec: Path, *options: str) -> Iterator[tuple[subprocess.Popen, dict[str, str]]]:
    """`tenantwatch simulate SPEC --port 0 --per-service-ports ...` and the URLs it printed:
    "all" (every series and /faults) and one per service."""
    proc = subprocess.Popen([sys.executable, "-m", "tenantwatch.cli", "simulate", str(spec), "--port", "0",
                             "--per-service-ports", *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        urls: dict[str, str] = {}
        for line in proc.stdout:
            urls.update(re.findall(r"│ ([^│]+?)\s*│ (http://127\.0\.0\.1:\d+/metrics)", line))
            if len(urls) == 3:
                break
        assert set(urls) == {"every service (and /faults)", "web", "store"}, urls
        urls["all"] = urls.pop("every service (and /faults)")
        yield proc, urls
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_simulate_serves_each_service_takes_faults_and_stops_on_sigterm(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    with simulating(spec, "--seed", "4") as (proc, urls):
        web = httpx.get(urls["web"]).text
        assert 'http_requests_total{code="200"' in web and 'service="store"' not in web
        fault = httpx.post(urls["all"].replace("/metrics", "/faults"), json={"tenant": "south", "kind": "service_down"})
        assert fault.status_code == 201
        assert 'up{service="web",tenant="south"} 0.0' in httpx.get(urls["web"]).text
    ports = [int(u.rsplit(":", 1)[1].split("/")[0]) for u in urls.values()]
    assert not [p for p in ports if port_listening(p)]


def test_simulate_starts_with_a_platform_fault_from_the_command_line(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SHARED)
    with simulating(spec, "--fault", "platform:store_down") as (proc, urls):
        assert httpx.get(urls["store"]).status_code == 503  # Prometheus: up{job="store"} 0
        assert 'code="503"' in httpx.get(urls["web"]).text
        faults = httpx.get(urls["all"].replace("/metrics", "/faults")).json()
        assert [(f["tenant"], f["kind"], f["services"]) for f in faults] == [("platform", "service_down", ["store"])]


def test_simulate_refuses_a_fault_it_cannot_show(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SHARED)
    done = subprocess.run([sys.executable, "-m", "tenantwatch.cli", "simulate", str(spec), "--fault", "platform:web_down"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "--fault: service: web is not shared (one instance per tenant)" in " ".join(done.stderr.split())


def test_simulate_refuses_an_invalid_spec(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\nplatform: p\n")
    done = subprocess.run([sys.executable, "-m", "tenantwatch.cli", "simulate", str(spec)], capture_output=True, text=True)
    assert done.returncode == 2 and "services: required key is missing" in done.stderr
