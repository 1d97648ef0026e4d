"""The demo's parts on their own: child supervision (no orphans), the recording Slack, and
wiring a spec to the ports the demo picked."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tenantwatch.demo.procs import ChildFailed, process_alive, spawn, wait_until
from tenantwatch.demo.loop import cascade, is_about, is_slack_message_for
from tenantwatch.demo.recorder import Recorded, Recorder
from tenantwatch.demo.stack import StackError, find_binary
from tenantwatch.demo.wiring import PAGERDUTY_PATH, SLACK_PATH, Addresses, demo_spec_text, parse, wire, write_secrets
from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.sim import Fault


def _wait_dead(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_stop_ends_the_child_and_everything_it_started(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    child = spawn("sleeper", ["bash", "-c", f"sleep 300 & echo $! > {pidfile}; wait"], tmp_path / "sleeper.log")
    wait_until(lambda: pidfile.exists() and pidfile.read_text().strip() != "", child, "the grandchild", 10)
    grandchild = int(pidfile.read_text())
    child.stop(timeout=5)
    assert not child.alive()
    assert _wait_dead(grandchild)


def test_a_child_dies_with_its_parent_even_on_kill_9(tmp_path):
    """The parent-death signal: killing the demo with -9 leaves no orphan behind."""
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from tenantwatch.demo.procs import spawn; "
        f"c = spawn('orphan', ['sleep', '300'], Path({str(tmp_path / 'o.log')!r})); print(c.pid, flush=True); time.sleep(300)")],
        stdout=subprocess.PIPE, text=True)
    orphan = int(parent.stdout.readline())
    assert process_alive(orphan)
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    assert _wait_dead(orphan)


def test_a_child_that_dies_early_is_reported_with_its_log(tmp_path):
    child = spawn("broken", ["bash", "-c", "echo 'bind: address already in use' >&2; exit 3"], tmp_path / "broken.log")
    with pytest.raises(ChildFailed, match=r"broken exited with code 3 .*\n.*address already in use"):
        wait_until(lambda: False, child, "it to listen", 10)


def test_a_missing_binary_names_the_apt_get_command(monkeypatch):
    monkeypatch.setenv("TENANTWATCH_PROMETHEUS", "/nonexistent/prometheus")
    with pytest.raises(StackError, match="apt-get install -y --no-install-recommends prometheus prometheus-alertmanager"):
        find_binary("prometheus", "TENANTWATCH_PROMETHEUS")


def test_the_recorder_answers_like_slack_and_pagerduty_and_keeps_each_request():
    recorder = Recorder().start()
    try:
        slack = httpx.post(recorder.url + SLACK_PATH, json={"text": "hello acme"})
        assert (slack.status_code, slack.text) == (200, "ok")
        pagerduty = httpx.post(recorder.url + PAGERDUTY_PATH, json={"event_action": "trigger"})
        assert pagerduty.status_code == 202 and pagerduty.json()["status"] == "success"
        found = recorder.wait_for(lambda r: r.mentions("acme"), timeout=5)
        assert found is not None and found.json() == {"text": "hello acme"}
        assert recorder.wait_for(lambda r: r.mentions("globex"), timeout=0.2) is None
        assert [r.path for r in recorder.received()] == [SLACK_PATH, PAGERDUTY_PATH]
    finally:
        recorder.stop()


ADDRESSES = Addresses({"api": "127.0.0.1:1001", "db": "127.0.0.1:1002", "cache": "127.0.0.1:1003",
                       "events": "127.0.0.1:1006", "jobs": "127.0.0.1:1004", "recommender": "127.0.0.1:1005"},
                      "http://127.0.0.1:2000", "127.0.0.1:3000", "127.0.0.1:3001", "/tmp/x/intake.key",
                      "http://127.0.0.1:4000", "/tmp/x/secrets")


def test_the_embedded_demo_spec_is_valid_and_covers_every_service_kind():
    spec = parse(demo_spec_text())
    assert {s.kind for s in spec.services.values()} == {"http", "postgres", "redis", "kafka", "worker", "model"}
    assert len(spec.tenants) >= 3 and any(not spec.pages(t) for t in spec.tenants)
    assert all(level.after <= 60 for level in spec.escalation)


def test_the_demo_shares_its_database_cache_and_queue_and_keeps_the_rest_per_tenant():
    spec = parse(demo_spec_text())
    assert spec.shared_services() == ["db", "cache", "events"]
    assert spec.services["events"].kind == "kafka" and "events" in spec.services["jobs"].depends_on
    assert {n for n, s in spec.services.items() if not s.shared} == {"api", "jobs", "recommender"}


def test_tenantwatch_validate_accepts_the_demo_spec_without_a_warning(tmp_path):
    path = tmp_path / "demo-spec.yaml"
    path.write_text(demo_spec_text())
    done = subprocess.run([sys.executable, "-m", "tenantwatch.cli", "validate", str(path), "--strict"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_wiring_points_every_part_at_the_demos_ports():
    wired = wire(demo_spec_text(), ADDRESSES)
    raw, environ = yaml.safe_load(wired.text), wired.environ
    assert {name: s["targets"] for name, s in raw["services"].items()} == {n: [a] for n, a in ADDRESSES.service_targets.items()}
    assert raw["engine"] == {"url": "http://127.0.0.1:2000", "intake_key_file": "/tmp/x/intake.key"}
    assert raw["prometheus"]["alertmanager"] == "127.0.0.1:3000"
    assert raw["prometheus"]["listen_address"] == "127.0.0.1:3001"  # where Prometheus scrapes itself
    assert raw["channels"]["pagerduty-oncall"]["url"] == "http://127.0.0.1:4000" + PAGERDUTY_PATH
    assert environ["TENANTWATCH_DEMO_SLACK_URL"] == "http://127.0.0.1:4000" + SLACK_PATH
    assert "TENANTWATCH_DEMO_PAGERDUTY_KEY" in environ
    assert wired.spec.discovery == "static" and parse(wired.text) == wired.spec


def test_every_secret_file_the_rendered_alertmanager_reads_exists_in_the_demo(tmp_path):
    """Alertmanager notifies some alerts itself (the engine's own health goes to Slack even when
    the engine is down); a missing secret file would make those notifications fail."""
    addresses = Addresses({**ADDRESSES.service_targets}, ADDRESSES.engine_url, ADDRESSES.alertmanager, ADDRESSES.prometheus,
                          str(tmp_path / "intake.key"), ADDRESSES.recorder_url, str(tmp_path / "secrets"))
    wired = wire(demo_spec_text(), addresses)
    write_secrets(wired.environ, tmp_path / "secrets")
    config = render_tree(wired.spec, RenderOptions(profile="fast"), ["alertmanager"])["alertmanager"]["alertmanager.yml"]
    read = [Path(v) for v in re.findall(r"\w+_file: (\S+)", config) if not v.endswith("intake.key")]
    assert read and all(path.is_file() and path.stat().st_mode & 0o077 == 0 for path in read), read
    assert (tmp_path / "secrets" / "TENANTWATCH_DEMO_SLACK_URL").read_text() == ADDRESSES.recorder_url + SLACK_PATH


def test_wiring_any_spec_sets_every_env_secret_of_its_webhooks():
    text = """
version: 1
platform: other
discovery: kubernetes
channels:
  chat: {type: discord, webhook_url: env:MY_DISCORD}
  hook: {type: webhook, url: env:MY_HOOK}
escalation:
  - {level: L1, after: 0s, notify: [chat, hook]}
services:
  web: {kind: http}
tenants:
  one: {}
"""
    addresses = Addresses({"web": "127.0.0.1:1"}, "http://127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:5", "/k",
                          "http://127.0.0.1:4", "/s")
    wired = wire(text, addresses)
    assert wired.environ == {"MY_DISCORD": "http://127.0.0.1:4/hooks/discord", "MY_HOOK": "http://127.0.0.1:4/hooks/webhook"}
    assert wired.spec.services["web"].targets == ["127.0.0.1:1"]


def _slack(text: str) -> Recorded:
    return Recorded(0.0, "POST", SLACK_PATH, {}, json.dumps({"text": text, "blocks": []}).encode())


def test_a_slack_message_is_about_the_tenant_its_headline_names():
    platform = _slack("[TRIGGERED] [CRITICAL] platform: db is down (affected: acme, globex)")
    linked = _slack("[TRIGGERED] [WARNING] acme: api error rate high (caused by platform incident #3)")
    assert is_slack_message_for("platform")(platform) and not is_slack_message_for("platform")(linked)
    assert is_slack_message_for("acme")(linked) and not is_slack_message_for("acme")(platform)
    assert not is_slack_message_for("acme")(Recorded(0.0, "POST", PAGERDUTY_PATH, {}, linked.body))


def test_the_loop_follows_a_platform_fault_to_the_alert_about_its_shared_service():
    db_down = Fault(1, "platform", "service_down", ("db",), 0.0)
    assert is_about(db_down, "platform", ["db"])
    assert not is_about(db_down, "platform", [])  # e.g. the Watchdog or another platform alert
    assert not is_about(db_down, "platform", ["cache"])
    assert not is_about(db_down, "acme", ["db"])
    burst = Fault(2, "acme", "error_burst", ("api",), 0.0)
    assert is_about(burst, "acme", []) and not is_about(burst, "globex", ["api"])


@pytest.mark.parametrize("dead, tenants", [
    ("db", {"acme", "globex", "initech"}),  # api and jobs depend on it
    ("events", {"acme", "globex"}),  # only jobs consume the queue; initech runs no jobs
    ("recommender", {"acme", "globex", "initech"}),  # through api, which depends on it
])
def test_the_loop_expects_linked_incidents_of_the_tenants_the_outage_breaks(dead, tenants):
    spec = parse(demo_spec_text())
    assert cascade(spec, Fault(1, "platform", "service_down", (dead,), 0.0)) == tenants


def test_no_linked_incidents_are_expected_where_nothing_fails_visibly():
    spec = parse("version: 1\nplatform: p\nservices: {db: {kind: postgres, shared: true}, "
                 "ranker: {kind: model, depends_on: [db]}}\ntenants: {a: {}}\n")
    assert cascade(spec, Fault(1, "platform", "service_down", ("db",), 0.0)) == set()
    assert cascade(parse(demo_spec_text()), Fault(2, "platform", "connection_exhaustion", ("db",), 0.0)) == set()
