"""`tenantwatch simulate` as a user runs it: serves the spec's series (one port per service on
request), takes faults over HTTP, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx

from tenantwatch.demo.procs import port_listening

SPEC = "version: 1\nplatform: p\nservices: {web: {kind: http}, store: {kind: postgres}}\ntenants: {north: {}, south: {}}\n"


def test_simulate_serves_each_service_takes_faults_and_stops_on_sigterm(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    proc = subprocess.Popen([sys.executable, "-m", "tenantwatch.cli", "simulate", str(spec), "--port", "0",
                             "--per-service-ports", "--seed", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        urls: dict[str, str] = {}
        for line in proc.stdout:
            urls.update(re.findall(r"│ ([^│]+?)\s*│ (http://127\.0\.0\.1:\d+/metrics)", line))
            if len(urls) == 3:
                break
        assert set(urls) == {"every service (and /faults)", "web", "store"}, urls
        urls["all"] = urls.pop("every service (and /faults)")
        web = httpx.get(urls["web"]).text
        assert 'http_requests_total{code="200"' in web and 'service="store"' not in web
        fault = httpx.post(urls["all"].replace("/metrics", "/faults"), json={"tenant": "south", "kind": "service_down"})
        assert fault.status_code == 201
        assert 'up{service="web",tenant="south"} 0.0' in httpx.get(urls["web"]).text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    ports = [int(u.rsplit(":", 1)[1].split("/")[0]) for u in urls.values()]
    assert not [p for p in ports if port_listening(p)]


def test_simulate_refuses_an_invalid_spec(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\nplatform: p\n")
    done = subprocess.run([sys.executable, "-m", "tenantwatch.cli", "simulate", str(spec)], capture_output=True, text=True)
    assert done.returncode == 2 and "services: required key is missing" in done.stderr
