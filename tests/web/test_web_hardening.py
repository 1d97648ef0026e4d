"""The dashboard against hostile requests: reports that cannot script, bad parameters that
never give a 5xx, response headers, the API docs' own assets, body and stream limits."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from web_support import Engine, ServedApp, login


PAGE = "text/html"


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "acme").mkdir()
    for name, text in {"sla.html": "<h1>SLA</h1><script>alert(1)</script>", "kpi.csv": "day,requests\n1,10\n",
                       "soc2.pdf": "%PDF-1.4\n", "notes.md": "# notes\n"}.items():
        (tmp_path / "acme" / name).write_text(text)
    monkeypatch.setenv("TENANTWATCH_REPORTS_DIR", str(tmp_path))
    return tmp_path


def test_reports_are_sandboxed_or_downloaded(acme: TestClient, reports: Path) -> None:
    html = acme.get("/ui/reports/acme/sla.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    policy = [p.strip() for p in html.headers["content-security-policy"].split(";")]
    assert "sandbox" in policy and "default-src 'none'" in policy and not any("script" in p for p in policy)
    assert html.headers["x-content-type-options"] == "nosniff" and html.headers["cache-control"] == "no-store"
    for name in ("kpi.csv", "soc2.pdf"):
        response = acme.get(f"/ui/reports/acme/{name}")
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment"), name
    notes = acme.get("/ui/reports/acme/notes.md")
    assert notes.headers["content-type"].startswith("text/plain") and "sandbox" in notes.headers["content-security-policy"]


LONG = "a" * 5000
BAD_PAGES = [
    "/ui/static/%00", "/ui/static/app%00.css", "/ui/static/" + LONG, "/ui/static/%ff%fe", "/ui/static/vendor/%00/x.js",
    "/ui/reports/acme/%00.html", "/ui/reports/acme/" + LONG + ".html", "/ui/reports/%00/x.html", "/ui/reports/acme/%ff.txt",
    "/ui/incidents/abc", "/ui/incidents/-1", "/ui/incidents/0", "/ui/incidents/1.5", "/ui/incidents/%00",
    "/ui/incidents/99999999999999999999999999", "/ui/incidents/987654", "/ui/incidents/%EF%BC%91",
    "/ui/incidents?cursor=abc", "/ui/incidents?cursor=99999999999999999999999", "/ui/incidents?cursor=%00",
    "/ui/incidents?cursor=%EF%BC%91", "/ui/incidents?status=bogus", "/ui/incidents?severity=%3Cscript%3E",
    "/ui/incidents?service=" + LONG, "/ui/charts?tenant=%00", "/ui/charts?tenant=globex",
]
BAD_JSON = [
    "/ui/api/incidents/abc", "/ui/api/incidents/99999999999999999999999999", "/ui/api/incidents/987654",
    "/ui/api/series?signal=%00", "/ui/api/series?signal=traffic&range=1e400h", "/ui/api/series?signal=traffic&range=%00",
    "/ui/api/series?signal=traffic&range=99999999999999999999d", "/ui/api/series?signal=traffic&tenant=%00",
]


def _kind(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0]


@pytest.mark.parametrize("path", BAD_PAGES)
def test_a_bad_parameter_in_a_page_is_a_4xx_page(acme: TestClient, reports: Path, path: str) -> None:
    response = acme.get(path, follow_redirects=False)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:200])
    assert _kind(response) == PAGE or path.startswith("/ui/static/"), (path, _kind(response))


@pytest.mark.parametrize("path", BAD_JSON)
def test_a_bad_parameter_in_json_is_a_4xx_json(acme: TestClient, path: str) -> None:
    response = acme.get(path)
    assert 400 <= response.status_code < 500 and response.json()["error"]["code"], (path, response.status_code)


def test_bad_ids_and_values_in_forms_are_4xx_pages(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme")
    [incident] = engine.incidents("acme")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', acme.get("/ui/").text).group(1)
    for path, data in ((f"/ui/incidents/abc/ack", {"csrf": csrf}), ("/ui/incidents/987654/ack", {"csrf": csrf}),
                       ("/ui/incidents/99999999999999999999999/resolve", {"csrf": csrf}),
                       (f"/ui/incidents/{incident['id']}/resolve", {"csrf": csrf, "force": "maybe"}),
                       (f"/ui/incidents/{incident['id']}/%00", {"csrf": csrf})):
        response = acme.post(path, data=data, follow_redirects=False)
        assert 400 <= response.status_code < 500 and _kind(response) == PAGE, (path, response.status_code)
    assert engine.incidents("acme")[0]["status"] == "open"


def test_missing_incidents_are_404_pages_not_502(acme: TestClient, admin: TestClient) -> None:
    for client in (acme, admin):
        response = client.get("/ui/incidents/987654")
        assert response.status_code == 404 and "was not found" in response.text


def test_tenant_data_is_never_cached_and_json_is_never_sniffed(engine: Engine, acme: TestClient) -> None:
    engine.post_alert("acme")
    [incident] = engine.incidents("acme")
    key = {"Authorization": f"Bearer {engine.keys['acme']}"}
    for path, headers in (("/ui/", {}), ("/ui/incidents", {}), (f"/ui/incidents/{incident['id']}", {}),
                          ("/ui/api/overview", {}), (f"/ui/api/incidents/{incident['id']}", {}),
                          ("/api/v1/incidents", key), (f"/api/v1/incidents/{incident['id']}", key),
                          ("/api/v1/audit", key), ("/api/v1/incidents", {})):
        response = acme.get(path, headers=headers)
        assert response.headers.get("cache-control") == "no-store", path
        assert response.headers.get("x-content-type-options") == "nosniff", path
    policy = acme.get("/ui/").headers["content-security-policy"]
    assert "base-uri 'none'" in policy and "object-src 'none'" in policy
    assert "no-store" not in acme.get("/ui/static/app.css").headers["cache-control"]  # its own assets may be cached


def test_redirects_are_relative_and_never_echo_the_host(engine: Engine) -> None:
    with TestClient(engine.app) as client:
        for path in ("/ui/incidents/", "/ui/charts/", "/ui/", "/ui/incidents/5?x=1"):
            response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
            assert response.status_code in (303, 307), path
            location = response.headers["location"]
            assert location.startswith("/") and not location.startswith("//") and "evil" not in location, location


def test_api_docs_are_served_from_pinned_vendored_assets(engine: Engine) -> None:
    from tenantwatch.web import docs
    from tenantwatch.web.views import PAGE_POLICY

    with TestClient(engine.app) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and page.headers["content-security-policy"] == PAGE_POLICY
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
        assert "cdn" not in page.text and "<script>" not in page.text  # no inline script either
        for name, digest in docs.PINNED.items():
            asset = client.get(f"/ui/static/{docs.VENDOR}/{name}")
            assert asset.status_code == 200 and hashlib.sha256(asset.content).hexdigest() == digest, name
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").json()["info"]["title"] == "tenantwatch engine"


def test_forms_have_a_small_body_and_field_cap(engine: Engine, acme: TestClient) -> None:
    with TestClient(engine.app) as client:
        for data in ({"key": "x" * 70_000}, {f"f{i}": "1" for i in range(300)}):
            response = client.post("/ui/login", data=data, follow_redirects=False)
            assert response.status_code == 413 and _kind(response) == PAGE, response.text[:200]
            assert "too large" in response.text
    key = {"Authorization": f"Bearer {engine.keys['admin']}"}
    response = acme.post("/api/v1/incidents/1/resolve", content=b'{"force": true, "pad": "' + b"x" * 70_000 + b'"}',
                         headers={**key, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    multipart = acme.post("/ui/logout", files={"csrf": ("a.txt", b"x")})
    assert multipart.status_code == 415 and _kind(multipart) == PAGE


def test_a_chunked_body_over_the_cap_is_refused_over_http(served: ServedApp, engine: Engine) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"key=" + b"x" * 8192 + b"&"

    response = httpx.post(f"{served.url}/ui/login", content=chunks(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert response.status_code == 413
    # the intake keeps its own, larger limit: a 1 MB webhook is fine
    from web_support import alert, webhook

    body = webhook([alert("acme", f"Big{i}", "api", "warning", pad="p" * 5000) for i in range(200)])
    intake = httpx.post(f"{served.url}/api/v1/alertmanager", json=body, timeout=30,
                        headers={"Authorization": f"Bearer {engine.keys['intake']}"})
    assert intake.status_code == 200, intake.text


def test_a_session_opens_a_bounded_number_of_event_streams(served: ServedApp, engine: Engine) -> None:
    from tenantwatch.web.live import MAX_STREAMS_PER_SESSION

    with httpx.Client(base_url=served.url, timeout=httpx.Timeout(10, read=None)) as client:
        login(client, engine.keys["acme"])
        streams = []
        for _ in range(MAX_STREAMS_PER_SESSION):
            stream = client.stream("GET", "/ui/events")
            response = stream.__enter__()
            assert response.status_code == 200
            lines = response.iter_lines()  # kept: dropping the iterator would close the connection
            next(lines)  # the stream is open and counted
            streams.append((stream, lines))
        refused = client.get("/ui/events")
        assert refused.status_code == 429 and refused.headers["retry-after"]
        streams.pop()[0].__exit__(None, None, None)
        deadline = time.monotonic() + 10  # the server notices the closed stream at once or at its next wake-up
        while time.monotonic() < deadline:
            with client.stream("GET", "/ui/events") as again:
                if again.status_code == 200:
                    break
        assert again.status_code == 200
        for stream, _ in streams:
            stream.__exit__(None, None, None)


def test_a_key_keeps_a_bounded_number_of_sessions(engine: Engine) -> None:
    from tenantwatch.web.sessions import COOKIE_NAME, MAX_SESSIONS_PER_KEY

    clients = [TestClient(engine.app) for _ in range(MAX_SESSIONS_PER_KEY + 1)]
    for client in clients:
        login(client, engine.keys["acme"])
    assert clients[0].get("/ui/", follow_redirects=False).status_code == 303  # the oldest one ended
    assert all(c.get("/ui/", follow_redirects=False).status_code == 200 for c in clients[1:])
    assert all(c.cookies.get(COOKIE_NAME) for c in clients)
