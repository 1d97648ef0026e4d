"""The demo's shared topology through the real loop (simulator -> Prometheus -> Alertmanager ->
engine -> recording Slack): a healthy run alerts on nothing, and `demo --once` follows a
shared service's outage to one platform alert and incident, with the broken tenants'
incidents linked to it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tenantwatch.conventions import WATCHDOG
from tenantwatch.demo import Stack
from tenantwatch.demo.procs import port_listening

pytestmark = pytest.mark.e2e
TENANTWATCH = [sys.executable, "-m", "tenantwatch.cli"]
HEALTHY_SECONDS = 120.0  # every fast-profile alert window is shorter; the anomaly scores have history by then


def test_a_healthy_demo_run_alerts_on_nothing():
    with Stack(seed=5) as stack:
        deadline = time.monotonic() + HEALTHY_SECONDS
        fired: set[tuple] = set()
        while time.monotonic() < deadline:
            fired |= {(a["labels"].get("alertname"), a["labels"].get("tenant"), a["labels"].get("service"))
                      for a in stack.firing_alerts() if a["labels"].get("alertname") != WATCHDOG}
            time.sleep(5)
        assert fired == set()
        assert stack.incidents() == [] and stack.recorder.received() == []


def test_demo_once_follows_a_shared_queue_outage_to_one_platform_incident():
    done = subprocess.run([*TENANTWATCH, "demo", "--once", "--fault", "platform:events_down", "--timeout", "200",
                           "--format", "json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["closed"] and report["tenant"] == "platform"
    stages = {s["what"]: s["detail"] for s in report["stages"]}
    assert stages["fault injected"] == "service_down on platform: events"
    assert "severity=critical service=events" in stages["alert firing in Prometheus"]
    assert stages["incident opened by the engine"].endswith("affected=acme,globex")  # initech runs no jobs
    assert stages["Slack notification received"].startswith("[TRIGGERED] [CRITICAL] platform: ")
    linked = stages["tenant incidents linked to it"]
    assert " acme: " in linked and " globex: " in linked and "initech" not in linked
    ports = [int(url.rsplit(":", 1)[1].strip("/").split("/")[0]) for url in report["urls"].values()]
    assert all(not port_listening(p) for p in ports)
