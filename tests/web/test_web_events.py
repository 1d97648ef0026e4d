"""Live updates over Server-Sent Events, on the engine served by uvicorn: a tenant's stream
carries its own incidents only, whatever happens to other tenants."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from web_support import Engine, ServedApp


class EventStream:
    """Reads /ui/events in a thread into a queue of (event, data)."""

    def __init__(self, url: str, key: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=None))
        response = self.client.post("/ui/login", data={"key": key}, follow_redirects=False)
        assert response.status_code == 303
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


@pytest.fixture
def stream_of(served: ServedApp, engine: Engine) -> Iterator[Any]:
    streams: list[EventStream] = []

    def open_stream(who: str) -> EventStream:
        streams.append(EventStream(served.url, engine.keys[who]))
        return streams[-1]

    yield open_stream
    for s in streams:
        s.close()


def test_a_tenant_stream_carries_only_its_own_incidents(engine: Engine, stream_of: Any) -> None:
    engine.post_alert("globex", "OlderGlobexAlert")
    acme, admin = stream_of("acme"), stream_of("admin")
    assert acme.next("snapshot")["incidents"] == []
    assert [i["tenant"] for i in admin.next("snapshot")["incidents"]] == ["globex"]
    engine.post_alert("globex", "HighLatency")
    engine.post_alert("acme", "HighErrorRate")
    seen = acme.next("incident")
    assert seen["tenant"] == "acme" and seen["status"] == "open"
    assert {admin.next("incident")["tenant"], admin.next("incident")["tenant"]} <= {"acme", "globex"}
    leftovers = []
    while not acme.events.empty():
        leftovers.append(acme.events.get_nowait())
    assert all(data.get("tenant", "acme") == "acme" for _, data in leftovers)


def test_an_acknowledgement_reaches_the_stream(engine: Engine, stream_of: Any) -> None:
    engine.post_alert("acme")
    acme = stream_of("acme")
    [incident] = acme.next("snapshot")["incidents"]
    with TestClient(engine.app) as client:
        response = client.post(f"/api/v1/incidents/{incident['id']}/ack",
                               headers={"Authorization": f"Bearer {engine.keys['acme']}"})
        assert response.status_code == 200
    changed = acme.next("incident")
    assert changed["id"] == incident["id"] and changed["status"] == "acknowledged"
