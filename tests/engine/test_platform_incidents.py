"""Platform incidents, on SQLite and the real PostgreSQL: a shared service's outage is one
incident of tenant "platform" listing the tenants it affects; the tenant incidents it causes
are linked to it, do not page while it is unresolved and say so in their messages; a tenant
reads it without acting on it and without learning anything about other tenants."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from tenantwatch.engine.auth import create_key
from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.models import IncidentTenant
from tenantwatch.engine.store.retention import purge
from tests.engine.conftest import T0, Engine, Recorder, alert, build_engine, platform_alert, shared_spec


@pytest.fixture
def shared(store: Store, recorder: Recorder) -> Engine:
    engine = build_engine(store, shared_spec(recorder.url), FakeClock(T0))
    engine.keys["hooli"] = create_key(store, kind="tenant", tenant="hooli", name="dana", clock=engine.clock)
    return engine


def incidents_of(engine: Engine, tenant: str, who: str = "admin") -> list[dict[str, Any]]:
    return [i for i in engine.incidents(who) if i["tenant"] == tenant]


def run(engine: Engine, minutes: float, step: float = 60) -> None:
    """Tick the scheduler every `step` seconds for `minutes`."""
    for _ in range(int(minutes * 60 / step)):
        engine.tick()
        engine.clock.advance(step)
    engine.tick()


def details(incident: dict[str, Any], kind: str) -> list[str]:
    return [e["detail"] for e in incident["timeline"] if e["kind"] == kind]


def test_a_shared_database_outage_is_one_platform_incident_listing_the_tenants_it_affects(shared: Engine) -> None:
    shared.post([platform_alert(), platform_alert(name="TenantServiceDown")])
    shared.clock.advance(30)
    shared.post([platform_alert(name="PostgresReplicationLagHigh", severity="warning")])
    [incident] = shared.incidents()
    assert incident["tenant"] == "platform" and incident["services"] == ["db"] and incident["severity"] == "critical"
    assert len(incident["alerts"]) == 3 and incident["caused_by"] is None
    assert incident["affected_tenants"] == ["acme", "globex", "initech"]  # hooli uses the worker only
    with shared.store.read() as session:
        rows = session.scalars(select(IncidentTenant.tenant).where(IncidentTenant.incident_id == incident["id"])).all()
    assert sorted(rows) == ["acme", "globex", "initech"]
    shared.post([platform_alert(service="cache", name="TenantRedisDown")])  # unrelated to db: its own incident
    cache = [i for i in incidents_of(shared, "platform") if i["services"] == ["cache"]]
    assert len(cache) == 1 and cache[0]["affected_tenants"] == ["acme", "globex", "initech"]


def test_tenant_incidents_are_linked_whichever_alert_comes_first(shared: Engine) -> None:
    shared.post([alert(tenant="globex", service="api")])  # too long before the outage to be linked
    shared.clock.advance(340)
    shared.post([alert(tenant="acme", service="api")])  # a dependent fires a minute before the database
    shared.clock.advance(60)
    shared.post([platform_alert()])
    shared.clock.advance(30)
    shared.post([alert(tenant="initech", service="recommender", name="SlowPredictions"),
                 alert(tenant="hooli", service="jobs", name="QueueBacklog"),
                 alert(tenant="acme", service="jobs", name="QueueBacklog")])
    [platform] = incidents_of(shared, "platform")
    cause = platform["id"]
    caused = {(i["tenant"], tuple(i["services"])): i["caused_by"] for i in shared.incidents() if i["tenant"] != "platform"}
    assert caused == {("acme", ("api",)): cause, ("initech", ("recommender",)): cause, ("globex", ("api",)): None,
                      ("hooli", ("jobs",)): None, ("acme", ("jobs",)): None}
    [acme] = [i for i in incidents_of(shared, "acme") if i["services"] == ["api"]]
    assert acme["affected_tenants"] == ["acme"]
    assert [d.split(" (")[0] for d in details(acme, "linked")] == [f"caused by platform incident #{cause}"]
    assert sorted(details(platform, "linked")) == [
        f"incident #{acme['id']} of tenant acme follows from this one",
        f"incident #{caused_id(shared, 'initech')} of tenant initech follows from this one"]


def caused_id(engine: Engine, tenant: str) -> int:
    [incident] = incidents_of(engine, tenant)
    return incident["id"]


def test_one_shared_outage_pages_once(shared: Engine, recorder: Recorder) -> None:
    tenants = ("acme", "globex", "initech")
    shared.post([*(alert(tenant=t, service="api", severity="critical") for t in tenants), platform_alert()])
    run(shared, 50)
    [platform] = incidents_of(shared, "platform")
    triggers = [p for p in recorder.bodies("/pagerduty") if p["event_action"] == "trigger"]
    assert triggers and {p["dedup_key"] for p in triggers} == {f"tenantwatch-platform-{platform['id']}"}
    for tenant in tenants:
        [incident] = incidents_of(shared, tenant)
        assert incident["caused_by"] == platform["id"]
        skipped = [d for d in details(incident, "escalated") if "pagerduty-critical" in d]
        if tenant != "initech":  # initech's tier never pages anyway
            assert skipped and all(f"not paged because of platform incident #{platform['id']}" in d for d in skipped)
    tenant_messages = [b["text"] for b in recorder.bodies("/slack-alerts") if "] platform:" not in b["text"]]
    assert len(tenant_messages) == 6  # L1 and L2 for each tenant
    assert all(m.endswith(f"(caused by platform incident #{platform['id']})") for m in tenant_messages)


def test_after_the_platform_incident_resolves_a_still_open_tenant_incident_pages(shared: Engine, recorder: Recorder) -> None:
    shared.post([alert(tenant="acme", service="api", severity="critical"),
                 alert(tenant="globex", service="api", severity="critical"), platform_alert()])
    run(shared, 20)  # L3 (PagerDuty) came due for everyone; only the platform incident paged
    assert {p["dedup_key"] for p in recorder.bodies("/pagerduty")} == {f"tenantwatch-platform-{incidents_of(shared, 'platform')[0]['id']}"}
    shared.post([platform_alert(status="resolved")])
    shared.clock.advance(60)
    shared.post([alert(tenant="globex", service="api", severity="critical", status="resolved")])  # clears in time
    shared.tick()
    [acme], [globex] = incidents_of(shared, "acme"), incidents_of(shared, "globex")
    assert globex["status"] == "resolved"
    [note] = details(acme, "cause.resolved")
    assert note.startswith(f"platform incident #{acme['caused_by']} is resolved; L3 pages at 12:25:00 UTC")
    assert not any(p["dedup_key"].startswith("tenantwatch-acme") for p in recorder.bodies("/pagerduty"))
    shared.clock.advance(240)
    shared.tick()
    acme_pages = [p for p in recorder.bodies("/pagerduty") if p["dedup_key"] == f"tenantwatch-acme-{acme['id']}"]
    assert [p["event_action"] for p in acme_pages] == ["trigger"]
    assert not any(p["dedup_key"].startswith("tenantwatch-globex") for p in recorder.bodies("/pagerduty"))


def test_a_flapping_shared_service_keeps_its_tenant_incidents_linked(shared: Engine, recorder: Recorder) -> None:
    shared.post([alert(tenant="acme", service="api", severity="critical"), platform_alert()])
    run(shared, 20)
    shared.post([platform_alert(status="resolved")])
    shared.clock.advance(120)  # the database dies again before acme's grace is over
    shared.post([platform_alert(starts=shared.clock.now())])
    first, second = sorted(i["id"] for i in incidents_of(shared, "platform"))
    [acme] = incidents_of(shared, "acme")
    assert acme["caused_by"] == second
    run(shared, 30)
    assert not any(p["dedup_key"].startswith("tenantwatch-acme") for p in recorder.bodies("/pagerduty"))
    assert {p["dedup_key"] for p in recorder.bodies("/pagerduty")} == {
        f"tenantwatch-platform-{first}", f"tenantwatch-platform-{second}"}


def test_a_tenant_reads_the_platform_incident_but_cannot_act_on_it_nor_see_other_tenants(shared: Engine) -> None:
    shared.post([alert(tenant="acme", service="api"), alert(tenant="globex", service="api"), platform_alert()])
    [platform] = incidents_of(shared, "platform")
    path = f"/api/v1/incidents/{platform['id']}"
    listed = shared.client.get("/api/v1/incidents", headers=shared.auth("acme")).json()["items"]
    assert sorted(i["tenant"] for i in listed) == ["acme", "platform"]
    read = shared.client.get(path, headers=shared.auth("acme"))
    assert read.status_code == 200 and read.json()["affected_tenants"] == ["acme"]
    for text in (json.dumps(listed), read.text):
        assert "globex" not in text and "initech" not in text
    assert [i["tenant"] for i in shared.incidents("acme", service="db")] == ["platform"]
    assert shared.incidents("hooli") == [] and shared.client.get(path, headers=shared.auth("hooli")).status_code == 404
    for action in ("ack", "resolve"):
        refused = shared.client.post(f"{path}/{action}", json={"force": True}, headers=shared.auth("acme"))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert "platform incident" in refused.json()["error"]["message"]
    assert shared.client.get(path, headers=shared.auth("admin")).json()["status"] == "open"
    acked = shared.client.post(f"{path}/ack", headers=shared.auth("admin")).json()
    assert acked["status"] == "acknowledged" and acked["affected_tenants"] == ["acme", "globex", "initech"]
    assert len(details(acked, "linked")) == 2


def test_retention_of_a_resolved_platform_incident_unlinks_what_is_still_open(shared: Engine) -> None:
    shared.post([alert(tenant="acme", service="api"), platform_alert()])
    shared.post([platform_alert(status="resolved")])
    purge(shared.store, T0 + dt.timedelta(days=1))
    [acme] = shared.incidents()
    assert acme["tenant"] == "acme" and acme["status"] == "open" and acme["caused_by"] is None
