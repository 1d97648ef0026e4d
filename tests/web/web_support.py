"""Helpers of the dashboard tests: the real engine app, alerts to post, a served engine and
a reader of its event stream."""

from __future__ import annotations

import datetime as dt
import json
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tenantwatch.engine.app import create_app
from tenantwatch.engine.auth import create_key
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.server import load_engine_spec
from tenantwatch.engine.store import Store
from tenantwatch.spec import Spec
from tests.conftest import ARTIFACTS as TEST_ARTIFACTS

ARTIFACTS = TEST_ARTIFACTS / "web"  # screenshots of the browser tests

# tenants of the reference spec the engine ships
TENANT_KEYS = {"acme": "alice", "globex": "bob"}


@dataclass
class Engine:
    """The real engine app with one key per role."""

    app: FastAPI
    store: Store
    keys: dict[str, str] = field(default_factory=dict)

    def post_alert(self, tenant: str, name: str = "HighErrorRate", service: str = "api",
                   severity: str = "warning", via: str | None = None, **labels: str) -> None:
        """Post one firing alert as Alertmanager would (webhook v4, intake key), in-process or
        over HTTP to the engine served at `via`."""
        body = webhook([alert(tenant, name, service, severity, **labels)])
        headers = {"Authorization": f"Bearer {self.keys['intake']}"}
        if via:
            response = httpx.post(f"{via}/api/v1/alertmanager", json=body, headers=headers, timeout=10)
        else:
            with TestClient(self.app) as client:
                response = client.post("/api/v1/alertmanager", json=body, headers=headers)
        assert response.status_code < 300, response.text

    def revoke(self, name: str) -> None:
        """Revoke the key called `name` through the admin API, as an operator would."""
        admin = {"Authorization": f"Bearer {self.keys['admin']}"}
        with TestClient(self.app) as client:
            [key] = [k for k in client.get("/api/v1/keys", headers=admin).json()["items"] if k["name"] == name]
            assert client.delete(f"/api/v1/keys/{key['id']}", headers=admin).status_code == 200

    def incidents(self, who: str = "admin") -> list[dict[str, Any]]:
        with TestClient(self.app) as client:
            response = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {self.keys[who]}"})
        assert response.status_code == 200, response.text
        return response.json()["items"]


def build_engine(store: Store, spec: Spec | None = None) -> Engine:
    """The engine on the reference spec (or `spec`) with one key per role."""
    app = create_app(EngineConfig(spec=spec or load_engine_spec(None)), store, run_scheduler=False)
    keys = {"intake": create_key(store, kind="intake", name="alertmanager"),
            "admin": create_key(store, kind="admin", name="root")}
    for tenant, person in TENANT_KEYS.items():
        keys[tenant] = create_key(store, kind="tenant", tenant=tenant, name=person)
    return Engine(app, store, keys)


def alert(tenant: str, name: str, service: str, severity: str, **labels: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return {
        "status": "firing",
        "labels": {"alertname": name, "tenant": tenant, "service": service, "severity": severity, **labels},
        "annotations": {"summary": f"{name} on {service} of {tenant}", "description": "measured 5%, objective 1%"},
        "startsAt": now, "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph",
        "fingerprint": f"{tenant}-{service}-{name}",
    }


def webhook(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing",
            "receiver": "tenantwatch-engine", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://127.0.0.1:9093", "alerts": alerts}


LOGIN_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def login_token(page: str) -> str:
    """The login form's CSRF token (bound to the login cookie the same answer set)."""
    found = LOGIN_TOKEN.search(page)
    assert found, "the login form carries no CSRF token"
    return found.group(1)


def post_login(client: TestClient | httpx.Client, key: str, **fields: str) -> httpx.Response:
    """Log in as a browser does: open the form (cookie and token), then post it with the key."""
    token = login_token(client.get("/ui/login").text)
    return client.post("/ui/login", data={"key": key, "csrf": token, **fields}, follow_redirects=False)


def login(client: TestClient | httpx.Client, key: str) -> None:
    response = post_login(client, key)
    assert response.status_code == 303, response.text


class ServedApp:
    """An app under a real uvicorn on 127.0.0.1 (for SSE and the browser), stopped on exit."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                timeout_graceful_shutdown=1, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> "ServedApp":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class EventStream:
    """Reads /ui/events in a thread into a queue of (event, data)."""

    def __init__(self, url: str, key: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=None))
        login(self.client, key)
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stopped = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = "message"
        try:
            with self.client.stream("GET", "/ui/events") as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if self.stopped.is_set():
                        return
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        self.events.put((event, json.loads(line[6:])))
        except httpx.HTTPError:
            pass

    def next(self, kind: str, timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            event, data = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if event == kind:
                return data

    def close(self) -> None:
        self.stopped.set()
        self.client.close()


def browser_log_in(page: Any, served: ServedApp, key: str) -> None:
    """Log in through the form in the browser, from a page that needs a session."""
    page.goto(f"{served.url}/ui/incidents")
    assert "/ui/login" in page.url
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}/ui/incidents")
    assert key not in page.url
