"""Attacks a real browser would carry out, in Debian's headless Chromium against the engine
served by uvicorn: a login CSRF from another site, a report with a script, and the API docs
loading code from a third party."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from web_support import ARTIFACTS, Engine, ServedApp, browser_log_in, login_token

pytestmark = pytest.mark.browser


@pytest.fixture
def attacker_site() -> Iterator[dict[str, Any]]:
    """Another site (http://localhost:<port>, cross-site to 127.0.0.1) serving whatever page
    the test puts in `site["page"]`."""
    site: dict[str, Any] = {"page": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = site["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site["url"] = f"http://localhost:{server.server_address[1]}"
    yield site
    server.shutdown()
    server.server_close()


def test_another_site_cannot_log_the_visitor_into_the_attackers_tenant(
        engine: Engine, served: ServedApp, attacker_site: dict[str, Any], browser_page: Any) -> None:
    with httpx.Client(base_url=served.url) as attacker:  # the attacker's best try: a real token of its own
        token = login_token(attacker.get("/ui/login").text)
    attacker_site["page"] = f"""<!doctype html><title>win a prize</title>
<form id="f" method="post" action="{served.url}/ui/login">
  <input type="hidden" name="key" value="{engine.keys['globex']}">
  <input type="hidden" name="csrf" value="{token}">
  <input type="hidden" name="next" value="/ui/incidents">
</form><script>document.getElementById("f").submit()</script>"""
    page = browser_page
    with page.expect_navigation(url=f"{served.url}/**"):
        page.goto(attacker_site["url"])
    page.screenshot(path=str(ARTIFACTS / "login-csrf-refused.png"))
    page.goto(f"{served.url}/ui/")
    assert "/ui/login" in page.url  # the visitor has no session, least of all globex's
    assert "globex" not in page.content()


def test_a_reports_script_does_not_run_on_the_dashboards_origin(
        engine: Engine, served: ServedApp, browser_page: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "sla.html").write_text(
        '<h1 id="title">SLA report</h1><p id="out">no script ran</p>'
        '<script>document.getElementById("out").textContent = "script ran: " + document.cookie;'
        'fetch("/ui/api/overview").then(r => r.text()).then(t => document.title = t)</script>')
    monkeypatch.setenv("TENANTWATCH_REPORTS_DIR", str(tmp_path))
    page = browser_page
    browser_log_in(page, served, engine.keys["acme"])
    page.goto(f"{served.url}/ui/reports/acme/sla.html")
    assert page.inner_text("#title") == "SLA report"  # the report is shown ...
    assert page.inner_text("#out") == "no script ran"  # ... without running its script
    page.screenshot(path=str(ARTIFACTS / "report-sandboxed.png"))


def test_api_docs_load_nothing_from_another_origin(served: ServedApp, browser_page: Any) -> None:
    page = browser_page
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((served.url, "data:")) else None)
    page.goto(f"{served.url}/docs")
    page.wait_for_selector('[data-path="/api/v1/alertmanager"]')  # Swagger UI drew the operations
    page.wait_for_selector('[data-path="/api/v1/incidents/{incident_id}/resolve"]')
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    assert elsewhere == []
    assert httpx.get(f"{served.url}/redoc").status_code == 404
