"""End to end through the Stack API: simulator -> real Prometheus -> real Alertmanager -> engine
(SQLite) -> recording Slack. A fault for one tenant becomes an incident of that tenant only,
escalates on the shortened timer and reaches "Slack" in Slack's format; stopping leaves no
process and no bound port."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import pytest

from tenantwatch.demo import Stack
from tests.conftest import ARTIFACTS as TEST_ARTIFACTS
from tests.conftest import chromium_page
from tenantwatch.demo.loop import is_slack_message_for, poll
from tenantwatch.demo.procs import port_listening, process_alive
from tenantwatch.demo.recorder import Recorded
from tenantwatch.demo.wiring import SLACK_PATH

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
TIMEOUT = 180.0
L2_AFTER = 20.0  # the demo spec's escalation timer
ARTIFACTS = TEST_ARTIFACTS / "demo"


@dataclass
class Run:
    """What one run of the loop left behind, collected before and after stop()."""

    tenant: str
    others: list[str]
    incident: dict
    escalated: dict
    all_incidents: list[dict]
    tenant_view: list[dict]
    slack: list[Recorded]
    pids: list[int]
    ports: list[int]
    dashboard_rows: list[str] = field(default_factory=list)  # incident rows the tenant's browser showed
    leftovers: list[str] = field(default_factory=list)  # what stop() found still running


def _dashboard(stack: Stack, title: str) -> list[str]:
    """What the tenant sees in a real browser: log in with its key, the incident list (waiting
    for the incident) and the live charts over the real Prometheus; screenshots as artefacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(30_000) as page:
        page.goto(stack.urls["dashboard"] + "incidents")
        page.fill("#key", stack.keys.tenant_key)
        page.click("button[type=submit]")
        page.wait_for_selector(f"tr.incident:has-text({title!r})")
        page.screenshot(path=str(ARTIFACTS / "incidents.png"), full_page=True)
        rows = [row.inner_text() for row in page.query_selector_all("tr.incident")]
        page.goto(stack.urls["dashboard"] + "charts")
        page.wait_for_selector(".chart[data-signal=traffic] canvas")
        page.screenshot(path=str(ARTIFACTS / "charts.png"), full_page=True)
        page.goto(stack.urls["dashboard"])
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        return rows


def _wait(what: str, find, deadline: float):
    found = poll(find, deadline)
    assert found is not None, f"timed out waiting for {what}"
    return found


@pytest.fixture(scope="module")
def run() -> Run:
    stack = Stack(seed=11).start()
    try:
        tenant = stack.keys.tenant
        others = [t for t in stack.spec.tenants if t != tenant]
        deadline = time.monotonic() + TIMEOUT
        stack.inject(tenant, "error_burst")
        incident = _wait(f"an incident of {tenant}",
                         lambda: next((i for i in stack.incidents() if i["tenant"] == tenant), None), deadline)
        escalated = _wait("escalation to L2",
                          lambda: (i := stack.api(f"/incidents/{incident['id']}"))["escalation_level"] in ("L2", "L3") and i or None,
                          deadline + L2_AFTER)
        _wait("the L2 Slack message", lambda: len(stack.recorder.received(is_slack_message_for(tenant))) >= 2 or None,
              deadline + L2_AFTER)
        result = Run(tenant, others, incident, escalated, stack.incidents(), stack.incidents(key=stack.keys.tenant_key),
                     stack.recorder.received(lambda r: r.path == SLACK_PATH),
                     [child.pid for child in stack.children], stack.ports())
        result.dashboard_rows = _dashboard(stack, incident["title"])
    finally:
        leftovers = stack.stop()
    result.leftovers = leftovers
    return result


def test_the_incident_belongs_to_the_faulty_tenant_only(run):
    assert run.incident["status"] in ("open", "acknowledged")
    assert {a["labels"]["tenant"] for a in run.escalated["alerts"]} == {run.tenant}
    assert [i for i in run.all_incidents if i["tenant"] in run.others] == []


def test_the_tenant_key_sees_only_its_tenant(run):
    assert run.tenant_view and {i["tenant"] for i in run.tenant_view} == {run.tenant}


def test_the_tenant_sees_its_incident_in_the_dashboard(run):
    assert run.dashboard_rows and all(run.incident["title"] in row or run.tenant in row for row in run.dashboard_rows)
    assert (ARTIFACTS / "incidents.png").stat().st_size > 0 and (ARTIFACTS / "charts.png").stat().st_size > 0


def test_it_escalates_on_the_shortened_timer(run):
    events = run.escalated["timeline"]
    created = dt.datetime.fromisoformat(run.escalated["created_at"])
    escalations = [e for e in events if "L2" in f"{e['kind']} {e['detail']}"]
    assert escalations, events
    waited = (dt.datetime.fromisoformat(escalations[0]["at"]) - created).total_seconds()
    assert L2_AFTER - 1 <= waited <= L2_AFTER + 30


def test_slack_received_slack_format_notifications_about_that_tenant_only(run):
    mine = [r for r in run.slack if r.mentions(run.tenant)]
    assert len(mine) >= 2  # L1 at once, L2 after the timer
    body = mine[0].json()
    assert isinstance(body["text"], str) and run.tenant in body["text"]
    assert isinstance(body["blocks"], list) and body["blocks"][0]["type"] == "header"
    assert mine[0].headers.get("content-type", "").startswith("application/json")
    assert not any(r.mentions(f"[{other}]") or r.mentions(f'"{other}"') for r in run.slack for other in run.others)


def test_nothing_is_left_running_or_bound_after_stop(run):
    assert run.leftovers == []
    assert run.pids and not [pid for pid in run.pids if process_alive(pid)]
    assert run.ports and not [port for port in run.ports if port_listening(port)]
