"""One shared outage end to end: the demo's shared PostgreSQL dies under every tenant.

simulator (db's exporter answers 503, so Prometheus's `up` of its target is 0; the API
and workers that depend on it fail for every tenant) -> real Prometheus (fast profile)
-> real Alertmanager -> engine (SQLite) -> recording Slack and PagerDuty.

What an on-call team must get: one critical platform alert for the dead service within
two evaluation cycles plus its `for:`, one platform incident listing the affected tenants,
the tenants' own incidents linked to it, no [RESOLVED] while the database is still down
(also past the absence rule's look-back window), and one page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from tenantwatch import conventions
from tenantwatch.demo import Stack
from tenantwatch.demo.loop import poll
from tenantwatch.demo.recorder import Recorded
from tenantwatch.demo.wiring import PAGERDUTY_PATH, SLACK_PATH

pytestmark = pytest.mark.e2e
TIMEOUT = 180.0
DEAD = "db"
L3_AFTER = 40.0  # the demo spec's paging level
ABSENCE_WINDOW = 60.0  # the fast profile's 1h look-back
EVALUATION = 5.0  # the fast profile's scrape and evaluation interval
PLATFORM_FOR = 2.0  # TenantServiceDown's `for:` in the fast profile (2m / 60)


@dataclass
class Outage:
    alert_after: float  # seconds from the fault to the platform alert firing in Prometheus
    alerts: list[dict]  # firing in Prometheus once the incidents settled
    platform: dict  # the platform incident (admin view)
    incidents: list[dict]  # every incident (admin view)
    tenant_view: dict[str, list[dict]]  # tenant -> what its key lists
    tenant_detail: dict  # the platform incident read with a tenant key
    slack: list[Recorded]
    pages: list[Recorded]
    still_down_for: float  # seconds the outage lasted when the checks ran


def _wait(what: str, find, deadline: float):
    found = poll(find, deadline)
    assert found is not None, f"timed out waiting for {what}"
    return found


def _platform_alert(stack: Stack) -> dict | None:
    return next((a for a in stack.firing_alerts() if a["labels"].get("tenant") == conventions.PLATFORM_TENANT
                 and a["labels"].get("alertname") == conventions.ALERT_SERVICE_DOWN
                 and a["labels"].get("service") == DEAD), None)


@pytest.fixture(scope="module")
def outage() -> Outage:
    stack = Stack(seed=5).start()
    try:
        deadline = time.monotonic() + TIMEOUT
        _wait("the first evaluation of the db target", lambda: any(
            a["labels"]["alertname"] == conventions.WATCHDOG for a in stack.firing_alerts()) or None, deadline)
        started = time.monotonic()
        stack.inject(conventions.PLATFORM_TENANT, "service_down", service=DEAD)
        _wait("the platform alert", lambda: _platform_alert(stack), deadline)
        alert_after = time.monotonic() - started
        platform = _wait("the platform incident", lambda: next(
            (i for i in stack.incidents() if i["tenant"] == conventions.PLATFORM_TENANT), None), deadline)
        tenants = set(stack.spec.tenants)
        _wait("every tenant's own incident, linked to the platform incident", lambda: tenants <= {
            i["tenant"] for i in stack.incidents() if i.get("caused_by") == platform["id"]} or None, deadline)
        _wait("the page (L3)", lambda: stack.recorder.received(lambda r: r.path == PAGERDUTY_PATH) or None,
              deadline + L3_AFTER)
        # past the paging level of the tenants' incidents and the absence window: still no [RESOLVED]
        quiet_until = started + max(L3_AFTER, ABSENCE_WINDOW) + 3 * EVALUATION
        time.sleep(max(0.0, quiet_until - time.monotonic()))
        tenant = stack.keys.tenant
        result = Outage(
            alert_after, stack.firing_alerts(), stack.api(f"/incidents/{platform['id']}"), stack.incidents(),
            {tenant: stack.incidents(key=stack.keys.tenant_key)},
            stack.api(f"/incidents/{platform['id']}", key=stack.keys.tenant_key),
            stack.recorder.received(lambda r: r.path == SLACK_PATH),
            stack.recorder.received(lambda r: r.path == PAGERDUTY_PATH),
            time.monotonic() - started,
        )
    finally:
        stack.stop()
    return result


def test_one_critical_platform_alert_within_two_evaluations_plus_its_hold(outage: Outage) -> None:
    down = [a["labels"] for a in outage.alerts if a["labels"]["alertname"] == conventions.ALERT_SERVICE_DOWN
            and a["labels"].get("service") == DEAD]
    assert len(down) == 1, down
    assert down[0]["tenant"] == "platform" and down[0]["scope"] == "shared" and down[0]["severity"] == "critical"
    # one scrape to see the target down, two evaluations, the rule's for: (the contract's 60 s bound)
    assert outage.alert_after <= min(60.0, EVALUATION + 2 * EVALUATION + PLATFORM_FOR + 15), outage.alert_after


def test_no_tenant_alert_for_the_shared_service_itself(outage: Outage) -> None:
    own = [a["labels"] for a in outage.alerts if a["labels"].get("service") == DEAD
           and a["labels"]["tenant"] != conventions.PLATFORM_TENANT]
    assert own == []
    absent = [a["labels"] for a in outage.alerts if a["labels"]["alertname"] == conventions.ALERT_SERVICE_ABSENT]
    assert absent == []


def test_one_platform_incident_lists_the_affected_tenants(outage: Outage) -> None:
    platform = [i for i in outage.incidents if i["tenant"] == conventions.PLATFORM_TENANT]
    assert len(platform) == 1
    assert outage.platform["status"] in ("open", "acknowledged") and outage.platform["severity"] == "critical"
    assert sorted(outage.platform["affected_tenants"]) == sorted({"acme", "globex", "initech"})
    assert DEAD in outage.platform["services"]


def test_the_tenants_incidents_are_linked_to_it(outage: Outage) -> None:
    tenants = [i for i in outage.incidents if i["tenant"] != conventions.PLATFORM_TENANT]
    assert tenants and all(i["caused_by"] == outage.platform["id"] for i in tenants), tenants


def test_no_resolved_message_while_the_database_is_still_down(outage: Outage) -> None:
    assert outage.still_down_for >= ABSENCE_WINDOW
    assert all(i["status"] != "resolved" for i in outage.incidents)
    resolved = [r.body[:200] for r in outage.slack if r.mentions("RESOLVED")]
    assert resolved == []


def test_one_page_for_one_outage(outage: Outage) -> None:
    triggers = [r.json() for r in outage.pages if (r.json() or {}).get("event_action") == "trigger"]
    assert len({t["dedup_key"] for t in triggers}) == 1, [t["dedup_key"] for t in triggers]
    assert str(outage.platform["id"]) in triggers[0]["dedup_key"]


def test_a_tenant_reads_the_platform_incident_and_learns_nothing_of_the_others(outage: Outage) -> None:
    (tenant, listed), = outage.tenant_view.items()
    assert outage.platform["id"] in [i["id"] for i in listed]
    assert {i["tenant"] for i in listed} <= {tenant, conventions.PLATFORM_TENANT}
    assert outage.tenant_detail["affected_tenants"] == [tenant]
    others = {"acme", "globex", "initech"} - {tenant}
    text = str(outage.tenant_detail)
    assert not [other for other in others if other in text]
