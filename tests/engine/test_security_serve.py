"""A real `tenantwatch serve` against an outsider and a revoked user: failed authentications
are rate-limited per client and overall (429 with Retry-After) while a working key keeps
working, X-Forwarded-* counts only from trusted proxies, and a key revoked on the command line
ends every dashboard route at once, open event streams included."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.conftest import free_port, wait_for_port
from tests.engine.conftest import alert, webhook
from tenantwatch.web.sessions import LOGIN_COOKIE
from tests.web.web_support import login, login_token, post_login

CLI = [sys.executable, "-m", "tenantwatch.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def serving(tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`tenantwatch serve` on a free port with these options; yields its URL."""
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", db_url(tmp_path), "--port", str(port), "--tick", "0.2", *options],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    try:
        wait_for_port(port, timeout=60, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'engine.db'}"


def new_key(tmp_path: Path, *how: str) -> str:
    created = cli("keys", "create", *how, "--db", db_url(tmp_path))
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_failed_keys_are_rate_limited_per_client_and_a_working_key_is_not(tmp_path: Path) -> None:
    intake, admin = new_key(tmp_path, "--intake"), new_key(tmp_path, "--admin")
    with serving(tmp_path, "--auth-failures-per-client", "5", "--auth-failure-window", "1m") as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        assert client.post("/api/v1/alertmanager", json=webhook([alert()]), headers=bearer(intake)).status_code == 200
        answers = [client.get("/api/v1/incidents", headers=bearer(f"tw_guess{i}")) for i in range(7)]
        assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
        throttled = answers[-1]
        assert 0 < int(throttled.headers["retry-after"]) <= 60
        assert throttled.json()["error"]["code"] == "too_many_failures"
        # the same client's working keys are served as before: Alertmanager is never locked out
        assert client.post("/api/v1/alertmanager", json=webhook([alert(name="Again")]), headers=bearer(intake)).status_code == 200
        assert client.get("/api/v1/incidents", headers=bearer(admin)).status_code == 200
        # the login form counts the same failures: this client's next wrong key is refused unread
        refused = post_login(client, "tw_wrong")
        assert refused.status_code == 429 and refused.headers["retry-after"] and "Too many" in refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert post_login(client, admin).status_code == 303


def test_the_overall_cap_stops_new_clients_and_spares_working_keys(tmp_path: Path) -> None:
    intake = new_key(tmp_path, "--intake")
    with serving(tmp_path, "--trusted-proxy", "127.0.0.1", "--auth-failures-per-client", "3",
                 "--auth-failures-global", "6") as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.post("/api/v1/alertmanager", json=webhook([alert()]), headers=bearer(intake)).status_code == 200
        for n in range(6):  # six clients (through the trusted proxy) fail once each
            forwarded = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            assert client.get("/api/v1/incidents", headers={**bearer("tw_x"), **forwarded}).status_code == 401
        stranger = client.get("/api/v1/incidents", headers={**bearer("tw_x"), "X-Forwarded-For": "198.51.100.7"})
        assert stranger.status_code == 429 and stranger.headers["retry-after"]
        assert client.post("/api/v1/alertmanager", json=webhook([alert(name="Still")]),
                           headers={**bearer(intake), "X-Forwarded-For": "198.51.100.7"}).status_code == 200


def test_forwarded_headers_count_only_from_trusted_proxies(tmp_path: Path) -> None:
    admin = new_key(tmp_path, "--admin")
    https = {"X-Forwarded-Proto": "https"}
    with serving(tmp_path, "--trusted-proxy", "192.0.2.1", "--auth-failures-per-client", "2") as url, \
            httpx.Client(base_url=url, timeout=10, headers=https) as client:
        response = post_login(client, admin)  # from 127.0.0.1, which is not a trusted proxy here
        assert response.status_code == 303 and "secure" not in response.headers["set-cookie"].lower()
        for n in range(3):  # a spoofed X-Forwarded-For does not make a new client
            spoofed = client.get("/api/v1/incidents", headers={**bearer("tw_x"), "X-Forwarded-For": f"10.9.9.{n}"})
        assert spoofed.status_code == 429
    for trusted in ((), ("--trusted-proxy", "127.0.0.0/8", "--trusted-proxy", "::1")):  # the default: 127.0.0.1
        with serving(tmp_path, *trusted) as url, httpx.Client(base_url=url, timeout=10, headers=https) as client:
            response = login_behind_tls_proxy(client, admin)
            assert response.status_code == 303 and "secure" in response.headers["set-cookie"].lower(), trusted
    bad = cli("serve", "--db", db_url(tmp_path), "--trusted-proxy", "not-an-address")
    assert bad.returncode == 2 and "--trusted-proxy" in bad.stderr and "not-an-address" in bad.stderr


def login_behind_tls_proxy(client: httpx.Client, key: str) -> httpx.Response:
    """post_login through a TLS proxy: the login cookie comes back Secure, which this plain
    HTTP client would not send back, as the browser (speaking HTTPS to the proxy) does."""
    form = client.get("/ui/login")
    assert "secure" in form.headers["set-cookie"].lower()
    client.cookies.set(LOGIN_COOKIE, form.cookies[LOGIN_COOKIE])
    return client.post("/ui/login", data={"key": key, "csrf": login_token(form.text)}, follow_redirects=False)


class Stream:
    """/ui/events of a logged-in client, read in a thread."""

    def __init__(self, client: httpx.Client) -> None:
        self.events: list[tuple[str, Any]] = []
        self.ended = threading.Event()
        self.client = client
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = ""
        with contextlib.suppress(httpx.HTTPError), self.client.stream("GET", "/ui/events") as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.events.append((event, json.loads(line[6:])))
        self.ended.set()


def test_a_key_revoked_on_the_command_line_ends_every_dashboard_route_at_once(tmp_path: Path) -> None:
    (tmp_path / "reports" / "acme").mkdir(parents=True)
    (tmp_path / "reports" / "acme" / "sla.md").write_text("# SLA\n")
    intake, admin = new_key(tmp_path, "--intake"), new_key(tmp_path, "--admin")
    acme = new_key(tmp_path, "--tenant", "acme", "--name", "alice")
    with serving(tmp_path, env={"TENANTWATCH_REPORTS_DIR": str(tmp_path / "reports")}) as url:
        httpx.post(f"{url}/api/v1/alertmanager", json=webhook([alert()]), headers=bearer(intake), timeout=10)
        [incident] = httpx.get(f"{url}/api/v1/incidents", headers=bearer(acme), timeout=10).json()["items"]
        sessions = [httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=None)) for _ in range(6)]
        for session in sessions:
            login(session, acme)
        stream = Stream(sessions[0])
        pages = sessions[1]
        csrf = pages.get(f"/ui/incidents/{incident['id']}").text.split('name="csrf" value="')[1].split('"')[0]
        assert pages.get("/ui/reports/acme/sla.md").status_code == 200
        deadline = time.monotonic() + 10
        while not stream.events and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stream.events[0][0] == "snapshot"

        [key] = [k for k in json.loads(cli("keys", "list", "--format", "json", "--db", db_url(tmp_path)).stdout)
                 if k["name"] == "alice"]
        assert cli("keys", "revoke", str(key["id"]), "--db", db_url(tmp_path)).returncode == 0
        revoked_at = time.monotonic()

        for path in ("/ui/", "/ui/incidents", f"/ui/incidents/{incident['id']}", "/ui/charts", "/ui/reports/acme/sla.md"):
            response = pages.get(path, follow_redirects=False)  # pages and reports: back to the login form
            assert response.status_code == 303 and response.headers["location"].startswith("/ui/login"), path
        for path in ("/ui/api/overview", f"/ui/api/incidents/{incident['id']}", "/ui/api/series?signal=traffic",
                     "/ui/events"):
            assert sessions[2].get(path).status_code == 401, path  # JSON and new streams: 401
        action = sessions[3].post(f"/ui/incidents/{incident['id']}/ack", data={"csrf": csrf}, follow_redirects=False)
        assert action.status_code == 303 and action.headers["location"].startswith("/ui/login")
        assert httpx.get(f"{url}/api/v1/incidents/{incident['id']}", headers=bearer(acme)).status_code == 401
        assert httpx.get(f"{url}/api/v1/incidents/{incident['id']}", headers=bearer(admin)).json()["status"] == "open"
        assert stream.ended.wait(5), "the open event stream outlived the revocation"
        assert stream.events[-1] == ("logout", {"message": "session ended"})
        assert time.monotonic() - revoked_at < 5
        for session in sessions:
            session.close()


@pytest.mark.parametrize("option, value", [("--auth-failures-per-client", "0"), ("--auth-failure-window", "soon"),
                                           ("--notify-max-age", "0s"), ("--notify-max-age", "forever")])
def test_bad_limit_options_are_refused_with_their_name(tmp_path: Path, option: str, value: str) -> None:
    result = cli("serve", "--db", db_url(tmp_path), option, value)
    assert result.returncode == 2 and option in result.stderr
