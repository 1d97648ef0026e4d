"""The HTTP API as a client sees it: intake, idempotency, tenant isolation, pagination,
ack/resolve, audit, health and metrics."""

from __future__ import annotations

import datetime as dt

from tests.engine.conftest import T0, Engine, alert, webhook


def test_webhook_creates_incident_with_alert_labels_and_timeline(engine: Engine) -> None:
    response = engine.post([alert(severity="critical")])
    assert response.status_code == 200
    assert response.json()["new"] == 1
    [incident] = engine.incidents()
    assert incident["tenant"] == "acme" and incident["status"] == "open" and incident["severity"] == "critical"
    assert incident["services"] == ["api"] and incident["root_cause"] == "api"
    assert incident["title"] == "HighErrorRate on api of acme"
    assert incident["alerts"][0]["labels"]["alertname"] == "HighErrorRate"
    assert [e["kind"] for e in incident["timeline"]] == ["opened"]
    assert incident["timeline"][0]["who"] == "alertmanager"
    assert {"id", "created_at", "updated_at", "escalation_level"} <= incident.keys()


def test_same_payload_twice_creates_nothing_new(engine: Engine) -> None:
    alerts = [alert(), alert(service="db", name="Deadlocks")]
    assert engine.post(alerts).json()["new"] == 2
    again = engine.post(alerts)
    assert again.status_code == 200 and again.json()["new"] == 0
    [incident] = engine.incidents()
    assert len(incident["alerts"]) == 2


def test_later_firing_of_same_fingerprint_is_a_new_occurrence(engine: Engine) -> None:
    engine.post([alert()])
    engine.post([alert(status="resolved")])
    engine.clock.advance(3600)
    later = T0 + dt.timedelta(hours=1)
    assert engine.post([alert(starts=later)]).json()["new"] == 1
    incidents = engine.incidents()
    assert [i["status"] for i in incidents] == ["open", "resolved"]


def test_resolved_alerts_resolve_the_incident_and_record_it(engine: Engine) -> None:
    engine.post([alert(), alert(name="HighLatency")])
    engine.post([alert(status="resolved")])
    [incident] = engine.incidents()
    assert incident["status"] == "open"
    engine.post([alert(name="HighLatency", status="resolved")])
    [incident] = engine.incidents()
    assert incident["status"] == "resolved" and incident["resolved_at"]
    assert [e["kind"] for e in incident["timeline"]][-1] == "resolved"
    assert engine.post([alert(name="HighLatency", status="resolved")]).json()["resolved"] == 0


def test_tenant_key_sees_only_its_own_incidents(engine: Engine) -> None:
    engine.post([alert(tenant="acme"), alert(tenant="globex")])
    acme, globex = (engine.incidents("acme"), engine.incidents("globex"))
    assert [i["tenant"] for i in acme] == ["acme"] and [i["tenant"] for i in globex] == ["globex"]
    other = globex[0]["id"]
    for method, path in (("get", ""), ("post", "/ack"), ("post", "/resolve")):
        response = getattr(engine.client, method)(f"/api/v1/incidents/{other}{path}", headers=engine.auth("acme"))
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert engine.client.get(f"/api/v1/incidents/{other}", headers=engine.auth("globex")).status_code == 200
    assert len(engine.incidents("admin")) == 2


def test_tenant_key_may_post_only_its_own_alerts(engine: Engine) -> None:
    assert engine.post([alert(tenant="acme")], who="acme").status_code == 200
    refused = engine.post([alert(tenant="acme", service="db"), alert(tenant="globex")], who="acme")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert [i["tenant"] for i in engine.incidents()] == ["acme"]
    assert len(engine.incidents()[0]["alerts"]) == 1


def test_keys_are_required_and_intake_keys_cannot_read(engine: Engine) -> None:
    body = webhook([alert()])
    for headers in ({}, {"Authorization": "Bearer tw_wrong"}, {"Authorization": "Basic abc"}):
        response = engine.client.post("/api/v1/alertmanager", json=body, headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert engine.client.get("/api/v1/incidents").status_code == 401
    assert 'tenantwatch_intake_errors_total{reason="unauthorized"} 3.0' in engine.client.get("/metrics").text
    assert engine.client.get("/api/v1/incidents", headers=engine.auth("intake")).status_code == 403
    assert engine.incidents() == []


def test_list_is_paginated_and_filtered(engine: Engine) -> None:
    for n in range(7):  # unrelated alert names on unrelated tenants' services: seven incidents
        engine.post([alert(tenant="acme" if n % 2 else "globex", service="jobs", name=f"A{n}",
                           severity="critical" if n < 3 else "warning")])
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = engine.client.get("/api/v1/incidents", params=params, headers=engine.auth("admin")).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # correlation puts the same tenant's alerts on the same service together
    assert len(seen) == len(set(seen)) == 2
    engine.post([alert(tenant="initech", service="db", name="Slow", severity="info")])
    assert [i["tenant"] for i in engine.incidents(severity="info")] == ["initech"]
    assert [i["tenant"] for i in engine.incidents(service="db")] == ["initech"]
    assert len(engine.incidents(status="open")) == 3 and engine.incidents(status="resolved") == []
    bad = engine.client.get("/api/v1/incidents", params={"cursor": "abc"}, headers=engine.auth("admin"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"
    assert engine.client.get("/api/v1/incidents", params={"status": "nope"}, headers=engine.auth("admin")).status_code == 422


def test_ack_and_resolve_record_who_and_are_audited(engine: Engine) -> None:
    engine.post([alert()])
    [incident] = engine.incidents("acme")
    path = f"/api/v1/incidents/{incident['id']}"
    acked = engine.client.post(path + "/ack", headers=engine.auth("acme")).json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "alice"
    resolved = engine.client.post(path + "/resolve", json={"force": True}, headers=engine.auth("acme")).json()
    assert resolved["status"] == "resolved"
    assert [(e["kind"], e["who"]) for e in resolved["timeline"]][-2:] == [("acknowledged", "alice"), ("resolved", "alice")]
    conflict = engine.client.post(path + "/ack", headers=engine.auth("acme"))
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
    audit = engine.client.get("/api/v1/audit", headers=engine.auth("acme")).json()["items"]
    actions = [(e["action"], e["who"]) for e in audit]
    assert ("incident.ack", "alice") in actions and ("incident.resolve", "alice") in actions
    assert ("incidents.list", "alice") in actions and ("key.create", "alice") in actions
    assert all(e["tenant"] == "acme" for e in audit)


def test_audit_export_is_per_tenant_jsonl(engine: Engine) -> None:
    engine.incidents("acme")
    engine.incidents("globex")
    lines = engine.client.get("/api/v1/audit", params={"format": "jsonl"}, headers=engine.auth("globex")).text.splitlines()
    assert lines and all('"tenant": "globex"' in line for line in lines)
    everything = engine.client.get("/api/v1/audit", params={"format": "jsonl"}, headers=engine.auth("admin")).text
    assert '"tenant": "acme"' in everything and '"tenant": "globex"' in everything
    only = engine.client.get("/api/v1/audit", params={"tenant": "acme"}, headers=engine.auth("admin")).json()["items"]
    assert only and {e["tenant"] for e in only} == {"acme"}


def test_health_ready_metrics_and_docs(engine: Engine) -> None:
    assert engine.client.get("/healthz").json() == {"status": "ok"}
    assert engine.client.get("/readyz").json() == {"status": "ready"}
    engine.post([alert(severity="critical")])
    engine.client.post("/api/v1/alertmanager", content=b"{", headers=engine.auth("intake"))
    text = engine.client.get("/metrics").text
    assert 'tenantwatch_alerts_received_total{status="firing"} 1.0' in text
    assert 'tenantwatch_incidents_open{severity="critical",tenant="acme"} 1.0' in text
    assert 'tenantwatch_intake_errors_total{reason="malformed_json"} 1.0' in text
    assert 'tenantwatch_http_request_duration_seconds_count{code="200",method="POST",route="/api/v1/alertmanager"}' in text
    assert "/api/v1/incidents/{incident_id}/ack" in engine.client.get("/openapi.json").json()["paths"]


def test_a_batch_is_one_timeline_line_per_incident(engine: Engine) -> None:
    engine.post([alert(name=f"A{n}", fingerprint=f"fp{n}") for n in range(13)])
    [incident] = engine.incidents()
    assert len(incident["alerts"]) == 13
    opened, fired = incident["timeline"]
    assert opened["kind"] == "opened" and opened["detail"] == "A0 on api (warning)"
    assert fired["kind"] == "alert.fired" and fired["detail"].startswith("12 alerts: A1 on api (warning), A2 on api")
    assert fired["detail"].endswith("and 2 more")


def test_resolving_while_an_alert_fires_needs_force_and_the_alert_then_opens_a_new_incident(engine: Engine) -> None:
    engine.post([alert(), alert(name="HighLatency")])
    engine.post([alert(name="HighLatency", status="resolved")])
    [incident] = engine.incidents()
    path = f"/api/v1/incidents/{incident['id']}/resolve"
    for body in ({}, {"force": False}, None):
        refused = engine.client.post(path, json=body, headers=engine.auth("acme"))
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "still_firing"
        assert "HighErrorRate on api" in error["message"] and "HighLatency" not in error["message"]
        assert '{"force": true}' in error["message"]
    for bad in ({"force": "maybe"}, {"forced": True}):
        assert engine.client.post(path, json=bad, headers=engine.auth("acme")).status_code == 422
    assert engine.incidents()[0]["status"] == "open"
    forced = engine.client.post(path, json={"force": True}, headers=engine.auth("acme")).json()
    assert forced["status"] == "resolved" and forced["timeline"][-1]["detail"] == "forced while 1 alert(s) still fire"
    # Alertmanager sends the still-firing alert again (same fingerprint and startsAt): a new incident
    again = engine.post([alert()]).json()
    assert again["new"] == 0 and again["incidents"] != [incident["id"]]
    newest, old = engine.incidents()
    assert (newest["status"], old["status"]) == ("open", "resolved")
    assert [a["labels"]["alertname"] for a in newest["alerts"]] == ["HighErrorRate"]
    assert engine.post([alert()]).json()["incidents"] == []  # and only once
    engine.post([alert(status="resolved")])
    assert [i["status"] for i in engine.incidents()] == ["resolved", "resolved"]
    audit = engine.client.get("/api/v1/audit", headers=engine.auth("acme")).json()["items"]
    assert [e["detail"] for e in audit if e["action"] == "incident.resolve"] == [{"incident": incident["id"], "force": True}]


def test_a_tenant_key_naming_another_tenant_gets_403_and_its_own_is_fine(engine: Engine) -> None:
    engine.post([alert(tenant="acme"), alert(tenant="globex")])
    for path in ("/api/v1/audit", "/api/v1/incidents"):
        other = engine.client.get(path, params={"tenant": "globex"}, headers=engine.auth("acme"))
        assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden", path
        assert "globex" not in other.text
        own = engine.client.get(path, params={"tenant": "acme"}, headers=engine.auth("acme"))
        assert own.status_code == 200 and {i["tenant"] for i in own.json()["items"]} == {"acme"}, path
    assert [i["tenant"] for i in engine.incidents("admin", tenant="globex")] == ["globex"]
