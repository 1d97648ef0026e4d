"""Login CSRF: the login form carries a token bound to a login cookie, and a cross-site post is
refused, so another site cannot log a visitor into the attacker's tenant."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import Engine, login_token

from tenantwatch.web.sessions import COOKIE_NAME

REFUSED = "expired or came from another site"


def _refused(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403, response.text
    assert REFUSED in response.text
    assert COOKIE_NAME not in response.headers.get("set-cookie", "")


def test_a_login_without_the_forms_token_opens_no_session(engine: Engine) -> None:
    with TestClient(engine.app) as victim:
        _refused(victim.post("/ui/login", data={"key": engine.keys["globex"]}, follow_redirects=False))
        victim.get("/ui/login")  # the victim has a login cookie of its own, but no token is posted
        _refused(victim.post("/ui/login", data={"key": engine.keys["globex"], "csrf": ""}, follow_redirects=False))
        assert victim.get("/ui/", follow_redirects=False).status_code == 303


def test_the_attackers_own_token_does_not_work_in_the_victims_browser(engine: Engine) -> None:
    with TestClient(engine.app) as attacker, TestClient(engine.app) as victim:
        stolen = login_token(attacker.get("/ui/login").text)  # valid, but bound to the attacker's cookie
        _refused(victim.post("/ui/login", data={"key": engine.keys["globex"], "csrf": stolen}, follow_redirects=False))
        victim.get("/ui/login")
        _refused(victim.post("/ui/login", data={"key": engine.keys["globex"], "csrf": stolen}, follow_redirects=False))
        assert victim.get("/ui/", follow_redirects=False).status_code == 303
        # the attacker's own pair still works for the attacker
        assert attacker.post("/ui/login", data={"key": engine.keys["globex"], "csrf": stolen},
                             follow_redirects=False).status_code == 303


def test_a_cross_site_origin_or_referer_is_refused_even_with_a_valid_token(engine: Engine) -> None:
    key = engine.keys["acme"]
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Referer": "http://evil.example/login-csrf.html"},
                    {"Origin": "http://testserver.evil.example"}, {"Origin": "https://testserver"}):
        with TestClient(engine.app) as client:
            token = login_token(client.get("/ui/login").text)
            _refused(client.post("/ui/login", data={"key": key, "csrf": token}, headers=headers, follow_redirects=False))
    # same origin, or the engine's public address from the spec (engine.url), is fine
    for headers in ({"Origin": "http://testserver"}, {"Referer": "http://testserver/ui/login"},
                    {"Origin": "http://127.0.0.1:8080"}):
        with TestClient(engine.app) as client:
            token = login_token(client.get("/ui/login").text)
            response = client.post("/ui/login", data={"key": key, "csrf": token}, headers=headers, follow_redirects=False)
            assert response.status_code == 303, headers


def test_a_refused_login_form_comes_back_usable(engine: Engine) -> None:
    with TestClient(engine.app) as client:
        refused = client.post("/ui/login", data={"key": engine.keys["acme"], "csrf": "forged"}, follow_redirects=False)
        assert refused.status_code == 403
        token = login_token(refused.text)  # a fresh form, with a fresh cookie
        assert client.post("/ui/login", data={"key": engine.keys["acme"], "csrf": token},
                           follow_redirects=False).status_code == 303


def test_other_dashboard_forms_refuse_a_cross_site_origin(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme")
    [incident] = engine.incidents("acme")
    page = acme.get(f"/ui/incidents/{incident['id']}").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    evil = {"Origin": "http://evil.example"}
    response = acme.post(f"/ui/incidents/{incident['id']}/ack", data={"csrf": csrf}, headers=evil)
    assert response.status_code in (400, 403)
    assert engine.incidents("acme")[0]["status"] == "open"
    acme.post("/ui/logout", data={"csrf": csrf}, headers=evil)
    assert acme.get("/ui/", follow_redirects=False).status_code == 200  # still logged in
