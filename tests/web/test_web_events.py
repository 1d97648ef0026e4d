"""Live updates over Server-Sent Events, on the engine served by uvicorn: a tenant's stream
carries its own incidents only, whatever happens to other tenants."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from web_support import Engine


def test_a_tenant_stream_carries_only_its_own_incidents(engine: Engine, stream_of: Any) -> None:
    engine.post_alert("globex", "OlderGlobexAlert")
    acme, admin = stream_of("acme"), stream_of("admin")
    assert acme.next("snapshot")["incidents"] == []
    assert [i["tenant"] for i in admin.next("snapshot")["incidents"]] == ["globex"]
    engine.post_alert("globex", "HighLatency")
    engine.post_alert("acme", "HighErrorRate")
    seen = acme.next("incident")
    assert seen["tenant"] == "acme" and seen["status"] == "open"
    assert {admin.next("incident")["tenant"], admin.next("incident")["tenant"]} <= {"acme", "globex"}
    leftovers = []
    while not acme.events.empty():
        leftovers.append(acme.events.get_nowait())
    assert all(data.get("tenant", "acme") == "acme" for _, data in leftovers)


def test_an_acknowledgement_reaches_the_stream(engine: Engine, stream_of: Any) -> None:
    engine.post_alert("acme")
    acme = stream_of("acme")
    [incident] = acme.next("snapshot")["incidents"]
    with TestClient(engine.app) as client:
        response = client.post(f"/api/v1/incidents/{incident['id']}/ack",
                               headers={"Authorization": f"Bearer {engine.keys['acme']}"})
        assert response.status_code == 200
    changed = acme.next("incident")
    assert changed["id"] == incident["id"] and changed["status"] == "acknowledged"


def test_a_key_revoked_through_the_api_ends_its_open_stream_at_once(engine: Engine, stream_of: Any) -> None:
    acme = stream_of("acme")
    assert acme.next("snapshot") == {"incidents": []}
    engine.revoke("alice")
    assert acme.next("logout", timeout=10) == {"message": "session ended"}  # not after the 30 s safety poll
