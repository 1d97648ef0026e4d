"""Engine fixtures: a store on SQLite or the real PostgreSQL, an app with a fake clock, keys,
and a local HTTP server that records what the notification channels post to it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tenantwatch.engine.app import create_app
from tenantwatch.engine.auth import create_key
from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.server import REFERENCE_SPEC
from tenantwatch.engine.store import Store, open_store
from tenantwatch.spec import load_text

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)  # a Monday, outside every window


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'engine.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_url")) as url:
        yield url


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at `server`; dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(server.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'engine.db'}")
    yield s
    s.close()


@dataclass
class Recorder:
    """A local HTTP server standing in for Slack/Discord/PagerDuty: records every POST and
    answers with `status` (a list is consumed one status per request, then 200); a refusal
    carries `Retry-After: retry_after` when that is set."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None

    def bodies(self, path: str | None = None) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if path is None or r["path"] == path]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                status = rec.statuses.pop(0) if rec.statuses else 200
                if status < 300:
                    rec.requests.append({"path": self.path, "body": json.loads(body or b"null")})
            self.send_response(status)
            self.send_header("content-type", "application/json")
            if status >= 300 and rec.retry_after is not None:
                self.send_header("Retry-After", rec.retry_after)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


def make_spec(recorder_url: str = "http://127.0.0.1:9", **changes: Any):  # type: ignore[no-untyped-def]
    """The reference spec with its channels pointed at the recorder (paths name the channel)
    and any top-level keys replaced."""
    result = load_text(spec_yaml(recorder_url, **changes), environ={})
    assert result.spec is not None, result.issues
    return result.spec


def spec_yaml(recorder_url: str = "http://127.0.0.1:9", **changes: Any) -> str:
    """make_spec's spec as YAML text (for a `tenantwatch serve --spec` file)."""
    raw = yaml.safe_load(REFERENCE_SPEC.read_text())
    raw["channels"] = {
        "slack-alerts": {"type": "slack", "webhook_url": f"{recorder_url}/slack-alerts"},
        "discord-team": {"type": "discord", "webhook_url": f"{recorder_url}/discord-team"},
        "email-sre": {"type": "slack", "webhook_url": f"{recorder_url}/email-sre"},
        "pagerduty-critical": {"type": "pagerduty", "routing_key": "rk-secret-123", "url": f"{recorder_url}/pagerduty"},
        "email-vendor": {"type": "slack", "webhook_url": f"{recorder_url}/email-vendor"},
    }
    raw.update(changes)
    return yaml.safe_dump(raw)


# The reference services with db and cache shared by every tenant, and a fourth tenant that
# uses only the worker (so a database outage does not affect it).
SHARED_SERVICES = {
    "api": {"kind": "http", "depends_on": ["db", "cache", "recommender"]},
    "db": {"kind": "postgres", "shared": True},
    "cache": {"kind": "redis", "shared": True},
    "recommender": {"kind": "model", "depends_on": ["db"]},
    "jobs": {"kind": "worker"},
}
SHARED_TENANTS = {
    "acme": {"tier": "enterprise"}, "globex": {"tier": "standard"},
    "initech": {"tier": "free"}, "hooli": {"tier": "standard", "services": ["jobs"]},
}


def shared_spec(recorder_url: str = "http://127.0.0.1:9", **changes: Any):  # type: ignore[no-untyped-def]
    """make_spec with shared db and cache (see SHARED_SERVICES)."""
    return make_spec(recorder_url, services=SHARED_SERVICES, tenants=SHARED_TENANTS, **changes)


@dataclass
class Engine:
    client: TestClient
    clock: FakeClock
    store: Store
    keys: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def post(self, alerts: list[dict[str, Any]], who: str = "intake", **extra: Any):  # type: ignore[no-untyped-def]
        return self.client.post("/api/v1/alertmanager", json=webhook(alerts, **extra), headers=self.auth(who))

    def tick(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.scheduler.tick()

    def incidents(self, who: str = "admin", **params: Any) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/incidents", params=params, headers=self.auth(who))
        assert response.status_code == 200, response.text
        return response.json()["items"]


def build_engine(store: Store, spec, clock: FakeClock, **config: Any) -> Engine:  # type: ignore[no-untyped-def]
    app = create_app(EngineConfig(spec=spec, **config), store, clock=clock, run_scheduler=False)
    keys = {
        "intake": create_key(store, kind="intake", name="alertmanager", clock=clock),
        "admin": create_key(store, kind="admin", name="root", clock=clock),
        "acme": create_key(store, kind="tenant", tenant="acme", name="alice", clock=clock),
        "globex": create_key(store, kind="tenant", tenant="globex", name="bob", clock=clock),
        "initech": create_key(store, kind="tenant", tenant="initech", name="carol", clock=clock),
    }
    return Engine(TestClient(app, raise_server_exceptions=False), clock, store, keys)


@pytest.fixture
def engine(sqlite_store: Store, recorder: Recorder) -> Engine:
    return build_engine(sqlite_store, make_spec(recorder.url), FakeClock(T0))


def alert(tenant: str = "acme", service: str | None = "api", name: str = "HighErrorRate", severity: str = "warning",
          status: str = "firing", starts: dt.datetime = T0, fingerprint: str | None = None, **labels: str) -> dict[str, Any]:
    all_labels = {"alertname": name, "tenant": tenant, "severity": severity, **labels}
    if service:
        all_labels["service"] = service
    return {
        "status": status, "labels": all_labels,
        "annotations": {"summary": f"{name} on {service} of {tenant}", "description": "measured 5%, objective 1%"},
        "startsAt": starts.isoformat().replace("+00:00", "Z"),
        "endsAt": (starts + dt.timedelta(minutes=5)).isoformat().replace("+00:00", "Z") if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint or f"{tenant}-{service}-{name}",
    }


def platform_alert(service: str = "db", name: str = "TenantPostgresDown", severity: str = "critical",
                   **changes: Any) -> dict[str, Any]:
    """A shared service's health alert as the rules send it: tenant platform, scope shared."""
    return alert(tenant="platform", service=service, name=name, severity=severity, scope="shared", **changes)


def webhook(alerts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {
        "version": "4", "groupKey": "{}:{tenant=\"x\"}", "truncatedAlerts": 0,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": "tenantwatch-engine", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093", "alerts": alerts,
    }
    body.update(extra)
    return body
