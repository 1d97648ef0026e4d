"""The dashboard pages on the real engine: isolation between tenants, actions, clear messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tenantwatch.engine.store.models import Incident
from web_support import Engine


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def _only_incident(engine: Engine, tenant: str) -> dict:
    [incident] = [i for i in engine.incidents() if i["tenant"] == tenant]
    return incident


def test_a_tenant_lists_only_its_own_incidents(engine: Engine, acme: TestClient, admin: TestClient) -> None:
    engine.post_alert("acme", "HighErrorRate")
    engine.post_alert("globex", "HighLatency")
    page = acme.get("/ui/incidents").text
    assert "HighErrorRate" in page and "HighLatency" not in page and "globex" not in page
    everything = admin.get("/ui/incidents").text
    assert "HighErrorRate" in everything and "HighLatency" in everything


def test_another_tenants_incident_page_is_not_found(engine: Engine, acme: TestClient, globex: TestClient) -> None:
    engine.post_alert("globex", "HighLatency", description_secret="globex-only")
    incident = _only_incident(engine, "globex")
    response = acme.get(f"/ui/incidents/{incident['id']}")
    assert response.status_code == 404 and "HighLatency" not in response.text
    assert acme.get(f"/ui/api/incidents/{incident['id']}").status_code == 404
    mine = globex.get(f"/ui/incidents/{incident['id']}")
    assert mine.status_code == 200 and "HighLatency" in mine.text and "globex-only" in mine.text


def test_incident_detail_shows_alerts_timeline_and_root_cause(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme", "HighErrorRate", service="api")
    engine.post_alert("acme", "PostgresConnectionsHigh", service="db")
    incident = _only_incident(engine, "acme")
    page = acme.get(f"/ui/incidents/{incident['id']}").text
    assert "PostgresConnectionsHigh" in page and "HighErrorRate" in page
    assert "Timeline" in page and "opened" in page
    assert (incident["root_cause"] or "No guess yet.") in page


def test_ack_and_resolve_buttons_act_through_the_engine(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme")
    incident_id = _only_incident(engine, "acme")["id"]
    page = acme.get(f"/ui/incidents/{incident_id}").text
    assert 'id="ack"' in page and 'id="resolve"' in page
    response = acme.post(f"/ui/incidents/{incident_id}/ack", data={"csrf": _csrf(page)})
    assert response.status_code == 200 and "acknowledged" in response.text
    assert _only_incident(engine, "acme")["acknowledged_by"] == "alice"
    # its alert still fires: the engine refuses, the page says why and offers to force it
    response = acme.post(f"/ui/incidents/{incident_id}/resolve", data={"csrf": _csrf(response.text)})
    assert response.status_code == 409 and "still has 1 firing alert(s): HighErrorRate on api" in response.text
    assert 'id="resolve-force"' in response.text and _only_incident(engine, "acme")["status"] == "acknowledged"
    response = acme.post(f"/ui/incidents/{incident_id}/resolve", data={"csrf": _csrf(response.text), "force": "true"})
    assert _only_incident(engine, "acme")["status"] == "resolved"
    assert 'id="resolve"' not in response.text and 'id="resolve-force"' not in response.text
    again = acme.post(f"/ui/incidents/{incident_id}/ack", data={"csrf": _csrf(response.text)})
    assert again.status_code == 409 and "refused to ack" in again.text


def test_actions_need_the_forms_token_and_stay_in_the_tenant(engine: Engine, acme: TestClient,
                                                             globex: TestClient) -> None:
    engine.post_alert("globex")
    incident_id = _only_incident(engine, "globex")["id"]
    assert globex.post(f"/ui/incidents/{incident_id}/ack", data={"csrf": "forged"}).status_code == 400
    csrf = _csrf(acme.get("/ui/").text)
    assert acme.post(f"/ui/incidents/{incident_id}/resolve", data={"csrf": csrf}).status_code == 404
    assert acme.post(f"/ui/incidents/{incident_id}/delete", data={"csrf": csrf}).status_code == 400
    assert _only_incident(engine, "globex")["status"] == "open"


def test_alert_text_is_escaped_not_executed(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme", "HighErrorRate", handler="<script>alert(1)</script>")
    incident_id = _only_incident(engine, "acme")["id"]
    page = acme.get(f"/ui/incidents/{incident_id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_overview_counts_open_incidents_per_visible_tenant(engine: Engine, acme: TestClient,
                                                           admin: TestClient) -> None:
    engine.post_alert("acme", severity="critical")
    mine = acme.get("/ui/").text
    assert 'data-tenant="acme"' in mine and 'data-tenant="globex"' not in mine
    assert re.search(r'data-open-count="acme">1<', mine) and "badge critical" in mine
    every = admin.get("/ui/").text
    assert all(f'data-tenant="{t}"' in every for t in ("acme", "globex", "initech"))
    assert re.search(r'data-open-count="globex">0<', every)


def test_prometheus_down_is_a_message_not_a_500(acme: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import free_port

    monkeypatch.setenv("PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    page = acme.get("/ui/")
    assert page.status_code == 200 and "unreachable" in page.text
    series = acme.get("/ui/api/series", params={"signal": "traffic", "range": "1h"})
    assert series.status_code == 503
    assert "unreachable" in series.json()["error"]["message"]
    charts = acme.get("/ui/charts")
    assert charts.status_code == 200 and 'data-signal="latency_p95"' in charts.text


def test_reports_are_listed_and_served_per_tenant(acme: TestClient, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for tenant in ("acme", "globex"):
        (tmp_path / tenant).mkdir()
        (tmp_path / tenant / "soc2.md").write_text(f"# SOC 2 report of {tenant}\n")
    monkeypatch.setenv("TENANTWATCH_REPORTS_DIR", str(tmp_path))
    page = acme.get("/ui/").text
    assert "/ui/reports/acme/soc2.md" in page and "/ui/reports/globex" not in page
    assert "SOC 2 report of acme" in acme.get("/ui/reports/acme/soc2.md").text
    for path in ("/ui/reports/globex/soc2.md", "/ui/reports/acme/..%2Fglobex%2Fsoc2.md", "/ui/reports/acme/.hidden"):
        assert acme.get(path).status_code == 404


def test_static_files_stay_inside_their_folder(acme: TestClient) -> None:
    assert acme.get("/ui/static/vendor/uPlot.iife.min.js").status_code == 200
    for path in ("/ui/static/../sessions.py", "/ui/static/%2e%2e/sessions.py", "/ui/static/__init__.py"):
        assert acme.get(path).status_code == 404


def test_older_incidents_are_one_click_away(engine: Engine, admin: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tenantwatch.web.engine_api.PAGE_LIMIT", 2)
    for tenant in ("initech", "globex", "acme"):  # oldest first
        engine.post_alert(tenant, f"Alert{tenant.capitalize()}")
    newest = admin.get("/ui/incidents").text
    assert "AlertAcme" in newest and "AlertGlobex" in newest and "AlertInitech" not in newest
    assert 'data-live="on"' in newest
    older_url = re.search(r'href="([^"]+)" id="older"', newest).group(1).replace("&amp;", "&")
    older = admin.get(older_url).text
    assert "AlertInitech" in older and "AlertAcme" not in older
    assert 'data-live="off"' in older and 'id="older"' not in older


def test_overview_counts_come_from_unresolved_incidents(engine: Engine, acme: TestClient,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tenantwatch.web.engine_api.PAGE_LIMIT", 1)
    engine.post_alert("acme", "StillOpen", service="jobs", severity="critical")
    engine.post_alert("acme", "SoonResolved", service="api")
    newest = engine.incidents("acme")[0]
    csrf = _csrf(acme.get("/ui/").text)
    acme.post(f"/ui/incidents/{newest['id']}/resolve", data={"csrf": csrf, "force": "true"})
    # the newest incident is resolved; the open one is older than one page of history
    assert acme.get("/ui/api/overview").json() == {"tenants": {"acme": {"open": 1, "worst": "critical"}}}
    assert re.search(r'data-open-count="acme">1<', acme.get("/ui/").text)


def test_the_incident_header_names_its_escalation_level_once(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme", "HighErrorRate")
    incident = _only_incident(engine, "acme")
    with engine.store.write() as session:
        session.get(Incident, incident["id"]).escalation_level = "L2"
    page = acme.get(f"/ui/incidents/{incident['id']}").text
    assert "escalation L2" in page and "LL2" not in page
