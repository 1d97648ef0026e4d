"""Bad query and path parameters on the JSON API: always a 4xx with {"error": {"code",
"message"}} naming the parameter, never a 5xx, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec

HUGE = "99999999999999999999999"
ARABIC_DIGITS = "١٢"  # str.isdigit() says yes, int() reads 12
SUPERSCRIPT = "²"  # str.isdigit() says yes, int() fails

BAD = [
    ("/api/v1/incidents", {"cursor": HUGE[:20]}, 400, "cursor"),
    ("/api/v1/incidents", {"cursor": ARABIC_DIGITS}, 400, "cursor"),
    ("/api/v1/incidents", {"cursor": SUPERSCRIPT}, 400, "cursor"),
    ("/api/v1/incidents", {"cursor": "-5"}, 400, "cursor"),
    ("/api/v1/incidents", {"limit": HUGE}, 422, "limit"),
    ("/api/v1/incidents", {"limit": "-1"}, 422, "limit"),
    ("/api/v1/incidents", {"limit": ARABIC_DIGITS}, 422, "limit"),
    ("/api/v1/incidents", {"tenant": "acme\n"}, 422, "tenant"),
    ("/api/v1/incidents", {"tenant": 'Acme"}'}, 422, "tenant"),
    ("/api/v1/incidents", {"tenant": "nosuchtenant"}, 404, "tenant"),
    ("/api/v1/incidents", {"service": "api\x00"}, 422, "service"),
    ("/api/v1/audit", {"after": HUGE}, 422, "after"),
    ("/api/v1/audit", {"after": "-1"}, 422, "after"),
    ("/api/v1/audit", {"after": ARABIC_DIGITS}, 422, "after"),
    ("/api/v1/audit", {"limit": HUGE}, 422, "limit"),
    ("/api/v1/audit", {"tenant": "nosuchtenant"}, 404, "tenant"),
    (f"/api/v1/incidents/{HUGE}", {}, 422, "incident_id"),
    ("/api/v1/incidents/-1", {}, 422, "incident_id"),
    (f"/api/v1/incidents/{ARABIC_DIGITS}", {}, 422, "incident_id"),
    ("/api/v1/incidents/2147483648", {}, 422, "incident_id"),  # past INTEGER
    ("/api/v1/incidents/2147483647", {}, 404, "incident"),
    ("/api/v1/incidents", {"cursor": "2147483648"}, 400, "cursor"),
    ("/api/v1/audit", {"after": "2147483648"}, 422, "after"),
    ("/api/v1/incidents/987654", {}, 404, "incident"),
]


def _check(engine: Engine, method: str, path: str, params: dict[str, str], status: int, names: str) -> None:
    response = engine.client.request(method, path, params=params, headers=engine.auth("admin"))
    assert response.status_code == status, (path, params, response.text)
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and names in error["message"], error


@pytest.mark.parametrize(("path", "params", "status", "names"), BAD, ids=[f"{p} {q}" for p, q, *_ in BAD])
def test_a_bad_parameter_is_a_json_4xx_naming_it(engine: Engine, path: str, params: dict[str, str], status: int,
                                                 names: str) -> None:
    _check(engine, "GET", path, params, status, names)


@pytest.mark.postgres
def test_huge_ids_and_cursors_are_4xx_on_postgresql_too(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    assert engine.post([alert()]).status_code == 200
    for path, params, status, names in BAD:
        _check(engine, "GET", path, params, status, names)


@pytest.mark.parametrize("action", ["ack", "resolve"])
def test_acting_on_an_incident_that_does_not_exist_is_a_404(engine: Engine, action: str) -> None:
    _check(engine, "POST", f"/api/v1/incidents/987654/{action}", {}, 404, "incident 987654")
    _check(engine, "POST", f"/api/v1/incidents/{HUGE}/{action}", {}, 422, "incident_id")


def test_revoking_a_key_that_does_not_exist_is_a_404(engine: Engine) -> None:
    _check(engine, "DELETE", "/api/v1/keys/987654", {}, 404, "key 987654")
    _check(engine, "DELETE", f"/api/v1/keys/{HUGE}", {}, 422, "key_id")


def test_a_tenant_key_naming_an_unknown_tenant_gets_403_not_a_hint(engine: Engine) -> None:
    """Whether another tenant exists is none of a tenant key's business."""
    response = engine.client.get("/api/v1/incidents", params={"tenant": "nosuchtenant"}, headers=engine.auth("acme"))
    assert response.status_code == 403


def test_the_platform_and_a_known_tenant_are_fine(engine: Engine) -> None:
    assert engine.post([alert()]).status_code == 200
    for tenant in ("acme", "platform"):
        response = engine.client.get("/api/v1/incidents", params={"tenant": tenant}, headers=engine.auth("admin"))
        assert response.status_code == 200, response.text
    assert engine.client.get("/api/v1/audit", params={"tenant": "acme"}, headers=engine.auth("acme")).status_code == 200


@pytest.mark.postgres
def test_dashboard_ids_past_the_integer_column_are_404_on_postgresql_too(store: Store) -> None:
    """The dashboard's id bound is the store's (MAX_ROW_ID): an id past PostgreSQL's INTEGER is
    a 404 page or JSON error, never a lookup the database refuses."""
    from fastapi.testclient import TestClient

    from tests.web.web_support import login

    engine = build_engine(store, make_spec(), FakeClock(T0))
    assert engine.post([alert()]).status_code == 200
    with TestClient(engine.client.app) as browser:
        login(browser, engine.keys["admin"])
        for path in ("/ui/incidents/2147483648", "/ui/api/incidents/2147483648", "/ui/incidents/99999999999"):
            response = browser.get(path, follow_redirects=False)
            assert response.status_code == 404, (path, response.status_code, response.text[:200])
        page = browser.post("/ui/incidents/2147483648/ack", data={"csrf": "x"}, follow_redirects=False)
        assert 400 <= page.status_code < 500, page.status_code
