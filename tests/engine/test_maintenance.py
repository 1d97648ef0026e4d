"""Maintenance windows: one-off and recurring (in their own timezone), tenant and service scope;
alerts that arrive over HTTP during a window are stored and held, and sent when it ends."""

from __future__ import annotations

import datetime as dt

import httpx

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.escalation.maintenance import holding_window
from tenantwatch.engine.store import Store
from tests.conftest import free_port, wait_for_port
from tests.engine.conftest import Recorder, alert, build_engine, make_spec, webhook
from tests.web.web_support import ServedApp

UTC = dt.timezone.utc
SPEC = make_spec(maintenance=[
    {"name": "weekly-db", "services": ["db"], "recurring": {"weekdays": ["sunday"], "times": "02:00-03:00", "location": "Europe/Berlin"}},
    {"name": "globex-migration", "tenants": ["globex"], "start": "2026-12-05T22:00:00Z", "end": "2026-12-06T02:00:00Z"},
    {"name": "month-end", "tenants": ["initech"], "recurring": {"days_of_month": [31], "months": [1], "times": "22:00-24:00"}},
])


def test_recurring_window_is_read_in_its_timezone() -> None:
    sunday_0130_utc = dt.datetime(2026, 1, 4, 1, 30, tzinfo=UTC)  # 02:30 in Berlin (CET)
    assert holding_window(SPEC, "acme", ["db"], sunday_0130_utc) == "weekly-db"
    assert holding_window(SPEC, "acme", ["db"], sunday_0130_utc + dt.timedelta(hours=1)) is None
    summer = dt.datetime(2026, 7, 5, 0, 30, tzinfo=UTC)  # 02:30 in Berlin (CEST)
    assert holding_window(SPEC, "acme", ["db"], summer) == "weekly-db"


def test_service_scope_needs_every_service_of_the_incident_inside() -> None:
    sunday = dt.datetime(2026, 1, 4, 1, 30, tzinfo=UTC)
    assert holding_window(SPEC, "acme", ["api", "db"], sunday) is None
    assert holding_window(SPEC, "acme", [], sunday) is None


def test_one_off_window_is_tenant_scoped_and_ends() -> None:
    inside = dt.datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert holding_window(SPEC, "globex", ["api"], inside) == "globex-migration"
    assert holding_window(SPEC, "acme", ["api"], inside) is None
    assert holding_window(SPEC, "globex", ["api"], dt.datetime(2026, 12, 6, 2, 0, tzinfo=UTC)) is None


def test_days_of_month_and_months() -> None:
    assert holding_window(SPEC, "initech", ["api"], dt.datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == "month-end"
    assert holding_window(SPEC, "initech", ["api"], dt.datetime(2026, 1, 31, 21, 59, tzinfo=UTC)) is None
    assert holding_window(SPEC, "initech", ["api"], dt.datetime(2026, 3, 31, 23, 0, tzinfo=UTC)) is None


def test_alerts_arriving_in_a_window_over_http_are_stored_held_and_sent_when_it_ends(
        sqlite_store: Store, recorder: Recorder) -> None:
    inside = dt.datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # globex-migration: 22:00-02:00
    engine = build_engine(sqlite_store, make_spec(recorder.url, alert_delivery="engine"), FakeClock(inside))
    port = free_port()
    with ServedApp(engine.client.app, port) as served:
        wait_for_port(port)
        sent = httpx.post(f"{served.url}/api/v1/alertmanager", headers=engine.auth("intake"), timeout=10, json=webhook([
            alert(tenant="globex", starts=inside), alert(tenant="globex", service="db", name="Deadlocks", starts=inside)]))
        assert sent.status_code == 200 and sent.json()["new"] == 2
        engine.tick()
        engine.clock.advance(600)
        engine.tick()
        [incident] = httpx.get(f"{served.url}/api/v1/incidents", headers=engine.auth("globex"), timeout=10).json()["items"]
    assert [a["labels"]["alertname"] for a in incident["alerts"]] == ["HighErrorRate", "Deadlocks"]
    assert [e["detail"] for e in incident["timeline"] if e["kind"] == "held"] == [
        "L1 notifications held by maintenance window globex-migration",
        "L2 notifications held by maintenance window globex-migration"]
    assert recorder.requests == []
    engine.clock.current = dt.datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # the window is over
    engine.tick()
    assert sorted(r["path"] for r in recorder.requests) == ["/discord-team", "/email-sre", "/slack-alerts", "/slack-alerts"]
