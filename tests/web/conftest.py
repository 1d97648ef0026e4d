"""Fixtures of the dashboard tests: the real engine on SQLite, logged-in clients, a real
Prometheus, and the engine served by uvicorn on a free port."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient
from web_prometheus import Exporter, run_prometheus
from web_support import ARTIFACTS, Engine, EventStream, ServedApp, build_engine, login

from tenantwatch.engine.store import open_store
from tenantwatch.spec import Spec
from tests.conftest import chromium_page, free_port, wait_for_port


@pytest.fixture
def spec() -> Spec | None:
    """The engine's spec: the reference spec unless a test parametrizes `spec`."""
    return None


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: Spec | None) -> Iterator[Engine]:
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    store = open_store(f"sqlite:///{tmp_path / 'engine.db'}")
    yield build_engine(store, spec)
    store.close()


def _client(engine: Engine, who: str) -> Iterator[TestClient]:
    with TestClient(engine.app) as client:
        login(client, engine.keys[who])
        yield client


@pytest.fixture
def acme(engine: Engine) -> Iterator[TestClient]:
    """A browser-like client logged in with acme's tenant key."""
    yield from _client(engine, "acme")


@pytest.fixture
def globex(engine: Engine) -> Iterator[TestClient]:
    yield from _client(engine, "globex")


@pytest.fixture
def admin(engine: Engine) -> Iterator[TestClient]:
    yield from _client(engine, "admin")


@pytest.fixture(scope="module")
def prometheus_url() -> Iterator[str]:
    """A real Prometheus that has scraped two tenants (acme, globex) long enough for rate()."""
    exporter = Exporter()
    try:
        yield from run_prometheus(free_port(), exporter.address)
    finally:
        exporter.stop()


@pytest.fixture
def served(engine: Engine) -> Iterator[ServedApp]:
    """The engine (with the dashboard) under uvicorn on 127.0.0.1:<free port>."""
    port = free_port()
    with ServedApp(engine.app, port) as app:
        wait_for_port(port)
        yield app


@pytest.fixture
def stream_of(served: ServedApp, engine: Engine) -> Iterator[Any]:
    streams: list[EventStream] = []

    def open_stream(who: str) -> EventStream:
        streams.append(EventStream(served.url, engine.keys[who]))
        return streams[-1]

    yield open_stream
    for s in streams:
        s.close()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A headless Chromium page; the test fails if a script of the page fails or breaks the CSP."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(20_000) as page:
        script_errors: list[str] = []
        page.on("pageerror", lambda exc: script_errors.append(str(exc)))
        page.on("console", lambda msg: script_errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        yield page
        assert script_errors == [], "the dashboard's scripts failed in the browser"
