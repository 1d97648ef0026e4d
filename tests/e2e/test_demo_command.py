"""`tenantwatch demo` as a user runs it: --once closes the loop (dry-run remediation included) and
exits 0; interactively a --fault shows up as an incident and a Slack message, and SIGTERM stops
every child; a missing Prometheus gets the apt-get command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tenantwatch.demo.procs import port_listening, process_alive
from tenantwatch.spec import load_spec

pytestmark = pytest.mark.e2e
TENANTWATCH = [sys.executable, "-m", "tenantwatch.cli"]
REPO = Path(__file__).resolve().parents[2]


def _descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to `pid` (read from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_demo_once_closes_the_loop_and_exits_0():
    done = subprocess.run([*TENANTWATCH, "demo", "--once", "--timeout", "200", "--format", "json",
                           "--fault", "platform:connection_exhaustion"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["closed"] and report["tenant"] == "platform"  # the demo's database and cache are shared
    stages = [s["what"] for s in report["stages"]]
    assert stages[:4] == ["fault injected", "alert firing in Prometheus", "incident opened by the engine",
                          "Slack notification received"]
    remediation = [s["detail"] for s in report["stages"] if s["what"] == "remediation (L1)"]
    assert remediation and "cancel_slow_queries" in remediation[0] and "dry" in remediation[0]  # the demo spec's rule
    assert report["stages"][-1] == {**report["stages"][-1], "what": "tenant incidents linked to it", "detail": "none"}
    ports = [int(url.rsplit(":", 1)[1].strip("/").split("/")[0]) for url in report["urls"].values()]
    assert all(not port_listening(p) for p in ports)


def test_demo_once_runs_any_spec_and_a_page_less_tenant_is_never_critical():
    """The simulator and the stack read the spec's own tenants and services (here 11 tenants,
    two HTTP services, other names); a `page: false` tenant's alert arrives as a warning."""
    spec_path = REPO / "examples" / "many-overrides.yaml"
    spec = load_spec(spec_path)
    tenant = next(t for t in spec.tenants if not spec.pages(t))
    done = subprocess.run([*TENANTWATCH, "demo", "--once", "--spec", str(spec_path), "--fault", f"{tenant}:latency_spike",
                           "--timeout", "200", "--format", "json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    stages = {s["what"]: s["detail"] for s in report["stages"]}
    assert "severity=critical" not in stages["alert firing in Prometheus"]
    assert "severity=critical" not in stages["incident opened by the engine"]
    assert stages["incidents of other tenants"] == "0"


def test_interactive_demo_shows_the_fault_reach_slack_and_sigterm_stops_everything():
    demo = subprocess.Popen([*TENANTWATCH, "demo", "--fault", "globex:service_down", "--fault-every", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    try:
        lines = []
        for line in demo.stdout:  # ends when the demo exits; the test's timeout bounds it
            lines.append(line)
            if "notified slack" in line and "globex" in line:
                break
        text = "".join(lines)
        assert "admin key" in text and "tenant key" in text, text
        assert re.search(r"incident #\d+ \[globex\] open critical", text), text
        ports = {int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", text)}
        children = _descendants(demo.pid)
        assert len(children) >= 3 and len(ports) >= 5  # engine, prometheus, alertmanager; their ports and ours
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(process_alive(p) for p in children):
        time.sleep(0.1)
    assert not [p for p in children if process_alive(p)]
    assert not [p for p in ports if port_listening(p)]


def test_a_missing_prometheus_says_how_to_install_it():
    env = {**os.environ, "TENANTWATCH_PROMETHEUS": "/nonexistent/prometheus"}
    done = subprocess.run([*TENANTWATCH, "demo", "--once"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "prometheus not found" in done.stderr and "apt-get install" in done.stderr
