"""Escalation L1-L4 with a fake clock, asserted on what a local recording server receives
through the real channel senders (Slack-format webhooks, PagerDuty Events v2)."""

from __future__ import annotations

import datetime as dt
import json
import time

from fastapi.testclient import TestClient

from tenantwatch.engine.app import create_app
from tenantwatch.engine.auth import create_key
from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.store import Store
from tests.engine.conftest import T0, Engine, Recorder, alert, build_engine, make_spec, webhook


def paths(recorder: Recorder, containing: str = "") -> list[str]:
    """Paths of the received requests whose body mentions `containing` (Slack `text`, Discord
    `content`, PagerDuty `payload` differ; the words are the same)."""
    return [r["path"] for r in recorder.requests if containing in json.dumps(r["body"])]


def test_l1_at_once_l2_after_five_minutes_and_no_l3_for_warnings(engine: Engine, recorder: Recorder) -> None:
    engine.post([alert(severity="warning")])
    engine.tick()
    assert sorted(paths(recorder)) == ["/discord-team", "/slack-alerts"]
    slack = recorder.bodies("/slack-alerts")[0]
    assert "[TRIGGERED]" in slack["text"] and "acme" in slack["text"] and slack["blocks"]
    engine.clock.advance(299)
    engine.tick()
    assert len(recorder.requests) == 2
    engine.clock.advance(1)
    engine.tick()
    assert sorted(paths(recorder)[2:]) == ["/email-sre", "/slack-alerts"]
    engine.clock.advance(3600)
    engine.tick()
    assert len(recorder.requests) == 4 and "/pagerduty" not in paths(recorder)
    [incident] = engine.incidents()
    assert incident["escalation_level"] == "L2"
    assert [e["detail"].split(":")[0] for e in incident["timeline"] if e["kind"] == "escalated"] == ["L1", "L2"]


def test_critical_reaches_pagerduty_at_l3_and_l4_without_leaking_the_key(engine: Engine, recorder: Recorder) -> None:
    engine.post([alert(severity="critical")])
    for step in (0, 300, 600, 1800):
        engine.clock.advance(step)
        engine.tick()
    pages = recorder.bodies("/pagerduty")
    assert [p["event_action"] for p in pages] == ["trigger", "trigger"]  # L3, then L4 again
    assert pages[0]["routing_key"] == "rk-secret-123" and pages[0]["dedup_key"] == pages[1]["dedup_key"]
    [incident] = engine.incidents()
    assert incident["escalation_level"] == "L4" and "/email-vendor" in paths(recorder)
    assert "rk-secret-123" not in engine.client.get(f"/api/v1/incidents/{incident['id']}", headers=engine.auth("admin")).text


def test_ack_stops_escalation_and_tells_the_channels_once(engine: Engine, recorder: Recorder) -> None:
    engine.post([alert(severity="critical")])
    engine.tick()
    [incident] = engine.incidents("acme")
    engine.client.post(f"/api/v1/incidents/{incident['id']}/ack", headers=engine.auth("acme"))
    engine.tick()
    acks = [b["text"] for b in recorder.bodies("/slack-alerts")[1:]]
    assert len(acks) == 1 and "ACKNOWLEDGED" in acks[0].upper()
    engine.clock.advance(3600)
    engine.tick()
    engine.tick()
    assert len(recorder.requests) == 4  # L1 slack + discord, then their acknowledgements; no L2-L4
    assert "/pagerduty" not in paths(recorder)


def test_resolving_alerts_close_the_incident_and_notify_resolution(engine: Engine, recorder: Recorder) -> None:
    engine.post([alert()])
    engine.tick()
    engine.post([alert(status="resolved")])
    engine.tick()
    engine.clock.advance(600)
    engine.tick()
    resolved = [b["text"] for b in recorder.bodies("/slack-alerts")]
    assert len(resolved) == 2 and "RESOLVED" in resolved[1].upper()
    assert len(recorder.requests) == 4


def test_maintenance_window_holds_notifications_until_it_ends(sqlite_store: Store, recorder: Recorder) -> None:
    start = dt.datetime(2026, 12, 5, 23, 0, tzinfo=dt.timezone.utc)  # inside globex-migration (22:00-02:00)
    engine = build_engine(sqlite_store, make_spec(recorder.url), FakeClock(start))
    engine.post([alert(tenant="globex", starts=start)])
    engine.post([alert(tenant="acme", starts=start)])
    engine.tick()
    assert paths(recorder, "globex") == []
    assert len(recorder.requests) == 2  # acme is not in the window
    globex = engine.incidents("globex")[0]
    held = [e for e in globex["timeline"] if e["kind"] == "held"]
    assert len(held) == 1 and "globex-migration" in held[0]["detail"]
    engine.clock.advance(600)
    engine.tick()
    assert len([e for e in engine.incidents("globex")[0]["timeline"] if e["kind"] == "held"]) == 2  # L1 and L2 held
    engine.clock.advance(3 * 3600)  # the window is over
    engine.tick()
    assert len(paths(recorder, "globex")) == 4  # L1 and L2, two channels each


def test_tenant_that_does_not_page_never_reaches_pagerduty(engine: Engine, recorder: Recorder) -> None:
    engine.post([alert(tenant="initech", severity="critical")])
    for _ in range(4):
        engine.tick()
        engine.clock.advance(1200)
    assert "/pagerduty" not in paths(recorder) and "/email-vendor" in paths(recorder)
    [incident] = engine.incidents("initech")
    assert any("skipped pagerduty-critical" in e["detail"] for e in incident["timeline"])


def test_failed_notification_is_retried_and_delivered_exactly_once(engine: Engine, recorder: Recorder) -> None:
    recorder.statuses = [503, 503]  # slack, then discord, refuse the first attempt
    engine.post([alert()])
    engine.tick()
    assert recorder.requests == []
    engine.tick()  # not due yet: the backoff is persisted
    assert recorder.requests == []
    engine.clock.advance(5)
    engine.tick()
    engine.clock.advance(600)
    engine.tick()
    engine.tick()
    triggers = paths(recorder, "TRIGGERED")
    assert sorted(triggers) == ["/discord-team", "/email-sre", "/slack-alerts", "/slack-alerts"]  # L1 twice, L2 once each
    metrics = engine.client.get("/metrics").text
    assert 'tenantwatch_notifications_total{channel="slack-alerts",outcome="failed"} 1.0' in metrics
    assert 'tenantwatch_notifications_total{channel="slack-alerts",outcome="sent"} 2.0' in metrics


def test_a_channel_that_asks_to_wait_is_not_tried_before_its_retry_after(engine: Engine, recorder: Recorder) -> None:
    """Slack and Discord answer a burst with 429 and Retry-After: trying again after our own
    5 s backoff would only be refused again (and can get the webhook disabled)."""
    recorder.statuses, recorder.retry_after = [429], "120"
    engine.post([alert()])
    engine.tick()  # slack is refused and asks for 120 s; discord is sent
    assert paths(recorder) == ["/discord-team"]
    engine.clock.advance(60)  # past our own backoff (5 s), not past what slack asked for
    engine.tick()
    assert paths(recorder) == ["/discord-team"]
    engine.clock.advance(61)
    engine.tick()
    assert paths(recorder) == ["/discord-team", "/slack-alerts"]


def test_a_restart_continues_pending_escalations_and_messages(sqlite_store: Store, recorder: Recorder) -> None:
    first = build_engine(sqlite_store, make_spec(recorder.url), FakeClock(T0))
    recorder.statuses = [503]
    first.post([alert(severity="critical")])
    first.tick()
    assert paths(recorder) == ["/discord-team"]
    # a new process: new app, same store, time has moved on
    second = build_engine(sqlite_store, make_spec(recorder.url), FakeClock(T0 + dt.timedelta(minutes=16)))
    second.tick()
    assert sorted(paths(recorder)) == ["/discord-team", "/email-sre", "/pagerduty", "/slack-alerts", "/slack-alerts"]
    second.tick()
    assert len(recorder.requests) == 5


def test_no_secret_in_logs_timeline_or_api_when_a_channel_fails(sqlite_store: Store, caplog) -> None:  # type: ignore[no-untyped-def]
    secret = "T000-very-secret-token"
    spec = make_spec("http://127.0.0.1:9")  # nothing listens on port 9: every send fails
    spec = spec.model_copy(update={"channels": {**spec.channels, "slack-alerts": spec.channels["slack-alerts"].model_copy(
        update={"webhook_url": f"http://127.0.0.1:9/services/{secret}"})}})
    engine = build_engine(sqlite_store, spec, FakeClock(T0))
    with caplog.at_level("DEBUG"):
        engine.post([alert()])
        for _ in range(10):  # past the six hours a failing message is retried
            engine.tick()
            engine.clock.advance(3600)
    [incident] = engine.incidents()
    failed = [e for e in incident["timeline"] if e["kind"] == "notify.failed"]
    assert failed and "slack-alerts" in failed[0]["detail"]
    assert "trigger failed" in caplog.text and secret not in caplog.text
    assert secret not in engine.client.get(f"/api/v1/incidents/{incident['id']}", headers=engine.auth("admin")).text
    assert secret not in engine.client.get("/api/v1/audit", params={"format": "jsonl"}, headers=engine.auth("admin")).text


def test_the_service_loop_notifies_on_its_own_and_beats(sqlite_store: Store, recorder: Recorder) -> None:
    key = create_key(sqlite_store, kind="intake")
    app = create_app(EngineConfig(spec=make_spec(recorder.url), tick_interval=0.05), sqlite_store)
    with TestClient(app) as client:  # runs the lifespan: the scheduler loop is live
        assert client.post("/api/v1/alertmanager", json=webhook([alert(starts=dt.datetime.now(dt.timezone.utc))]),
                           headers={"Authorization": f"Bearer {key}"}).status_code == 200
        deadline = time.monotonic() + 20
        while len(recorder.requests) < 2:
            assert time.monotonic() < deadline, "no notification from the scheduler loop"
            time.sleep(0.02)
        beat = [line for line in client.get("/metrics").text.splitlines()
                if line.startswith("tenantwatch_scheduler_last_run_timestamp_seconds ")]
    assert sorted(paths(recorder)) == ["/discord-team", "/slack-alerts"]
    assert beat and float(beat[0].split()[1]) > time.time() - 60


def test_a_severity_rise_is_told_at_once_not_at_the_next_level(engine: Engine, recorder: Recorder) -> None:
    engine.post([alert(severity="warning")])
    engine.tick()
    engine.clock.advance(60)
    engine.post([alert(name="ServiceDown", severity="critical")])  # joins the same incident
    engine.tick()
    title = "acme: HighErrorRate on api of acme"
    for path in ("/slack-alerts", "/discord-team"):
        said = [b.get("text") or b.get("content") for b in recorder.bodies(path)]
        assert said == [f"[TRIGGERED] [WARNING] {title}", f"[SEVERITY RAISED] [CRITICAL] {title}"]
    [incident] = engine.incidents()
    assert incident["severity"] == "critical"
    assert [e["detail"] for e in incident["timeline"] if e["kind"] == "severity"] == [
        "warning -> critical; telling discord-team, slack-alerts"]
    assert "slack-alerts (severity raised to critical)" in [e["detail"] for e in incident["timeline"] if e["kind"] == "notified"]
    engine.post([alert(name="Deadlocks", severity="critical", service="db")])  # joins; no rise, no message
    engine.tick()
    assert len(recorder.requests) == 4
    engine.clock.advance(14 * 60)  # the levels it now qualifies for are planned as before: L3 at 15 min
    engine.tick()
    assert [b["event_action"] for b in recorder.bodies("/pagerduty")] == ["trigger"]


def test_notifications_link_the_dashboard_page_and_the_alerts_runbook(sqlite_store: Store, recorder: Recorder) -> None:
    spec = make_spec(recorder.url, engine={"url": "http://127.0.0.1:8080", "public_url": "https://tw.example.com/"})
    engine = build_engine(sqlite_store, spec, FakeClock(T0))
    firing = alert(severity="critical")
    firing["annotations"].update(runbook_url="https://runbooks.example.com/tenantwatch/HighErrorRate",
                                 dashboard_url="https://grafana.example.com/d/tenantwatch-api?var-tenant=acme")
    engine.post([firing])
    for step in (0, 900):
        engine.clock.advance(step)
        engine.tick()
    [incident] = engine.incidents()
    page = f"https://tw.example.com/ui/incidents/{incident['id']}"
    [buttons] = [b["elements"] for b in recorder.bodies("/slack-alerts")[0]["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["url"]) for e in buttons] == [
        ("Open incident", page), ("Runbook", firing["annotations"]["runbook_url"]),
        ("Dashboard", firing["annotations"]["dashboard_url"])]
    discord = recorder.bodies("/discord-team")[0]["embeds"][0]
    assert discord["url"] == page and firing["annotations"]["runbook_url"] in discord["description"]
    [pagerduty] = recorder.bodies("/pagerduty")
    assert pagerduty["client_url"] == page
    assert firing["annotations"]["runbook_url"] in [link["href"] for link in pagerduty["links"]]
    # the linked page exists: the dashboard asks for a login (a missing page would be a 404)
    assert engine.client.get(f"/ui/incidents/{incident['id']}", follow_redirects=False).status_code == 303
