"""Logging in to the dashboard: a form, a signed HttpOnly SameSite cookie, never the key in a URL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import Engine, post_login

from tenantwatch.web.sessions import COOKIE_NAME


def test_anonymous_visitor_is_sent_to_the_login_form(engine: Engine) -> None:
    with TestClient(engine.app) as client:
        for path in ("/ui/", "/ui/incidents", "/ui/incidents/1", "/ui/charts"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"].startswith("/ui/login")
        assert client.get("/ui/api/series?signal=traffic").status_code == 401
        assert client.get("/ui/events").status_code == 401
        form = client.get("/ui/login")
        assert form.status_code == 200 and 'type="password"' in form.text and 'method="post"' in form.text


def test_login_sets_a_signed_httponly_samesite_cookie_without_the_key(engine: Engine) -> None:
    key = engine.keys["acme"]
    with TestClient(engine.app) as client:
        response = post_login(client, key, next="/ui/incidents")
        assert response.status_code == 303
        assert response.headers["location"] == "/ui/incidents"
        cookie = response.headers["set-cookie"]
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "samesite", "path", "max-age"} <= flags
        assert "samesite=lax" in cookie.lower()
        assert key not in cookie and key not in response.headers["location"]
        page = client.get("/ui/")
        assert page.status_code == 200 and "alice" in page.text and "tenant acme" in page.text
        assert key not in page.text


def test_a_wrong_or_intake_key_is_refused_without_a_session(engine: Engine) -> None:
    with TestClient(engine.app) as client:
        for key in ("tw_not-a-real-key", engine.keys["intake"], ""):
            response = post_login(client, key)
            assert response.status_code == 401
            assert "not accepted" in response.text
            assert COOKIE_NAME not in response.headers.get("set-cookie", "")
            assert key == "" or key not in response.text


def test_a_tampered_cookie_opens_nothing(engine: Engine) -> None:
    with TestClient(engine.app) as client:
        client.cookies.set(COOKIE_NAME, "forged.value.signature")
        assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_even_for_a_copied_cookie(acme: TestClient) -> None:
    stolen = acme.cookies.get(COOKIE_NAME)
    csrf = acme.get("/ui/").text.split('name="csrf" value="')[1].split('"')[0]
    response = acme.post("/ui/logout", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/login"
    acme.cookies.set(COOKIE_NAME, stolen)
    assert acme.get("/ui/", follow_redirects=False).status_code == 303


def test_login_never_redirects_to_another_site(engine: Engine) -> None:
    for target in ("https://evil.example/", "//evil.example/ui/", "/api/v1/incidents"):
        with TestClient(engine.app) as client:
            response = post_login(client, engine.keys["acme"], next=target)
            assert response.headers["location"] == "/ui/"


def test_a_revoked_key_ends_its_dashboard_session(engine: Engine, acme: TestClient) -> None:
    import datetime as dt

    from sqlalchemy import update

    from tenantwatch.engine.store.models import ApiKey

    assert acme.get("/ui/incidents").status_code == 200
    with engine.store.write() as session:
        session.execute(update(ApiKey).where(ApiKey.tenant == "acme").values(revoked_at=dt.datetime.now(dt.timezone.utc)))
    response = acme.get("/ui/incidents", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/ui/login")
    assert acme.get("/ui/", follow_redirects=False).status_code == 303


def test_over_https_the_cookie_is_secure_and_pages_cannot_be_framed(engine: Engine) -> None:
    with TestClient(engine.app, base_url="https://dashboard.example") as client:
        response = post_login(client, engine.keys["acme"])
        assert "secure" in response.headers["set-cookie"].lower()
        page = client.get("/ui/")
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_key_revoked_through_the_api_ends_every_dashboard_request_at_once(
        engine: Engine, acme: TestClient, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "sla.md").write_text("# SLA report\n")
    monkeypatch.setenv("TENANTWATCH_REPORTS_DIR", str(tmp_path))
    engine.post_alert("acme")
    [incident] = engine.incidents("acme")
    assert acme.get("/ui/reports/acme/sla.md").status_code == 200
    engine.revoke("alice")
    for path in ("/ui/api/series?signal=traffic&range=1h", f"/ui/api/incidents/{incident['id']}", "/ui/api/overview",
                 "/ui/events"):
        response = acme.get(path)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated", path
    for path in ("/ui/reports/acme/sla.md", "/ui/charts", "/ui/", f"/ui/incidents/{incident['id']}"):
        response = acme.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/ui/login"), path
