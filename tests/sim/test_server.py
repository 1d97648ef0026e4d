"""The simulator over HTTP: /metrics per service listener, faults injected and ended by request."""

from __future__ import annotations

import httpx
import pytest

from tenantwatch.sim import SimServer, World
from tenantwatch.spec import load_text

SPEC = """
version: 1
platform: sim-http
services:
  gateway: {kind: http}
  store: {kind: postgres}
  cache: {kind: redis, shared: true, namespace: data}
tenants:
  north: {}
  south: {}
"""


@pytest.fixture
def server():
    spec = load_text(SPEC).spec
    sim = SimServer(World(spec, seed=1)).start(service_ports={name: 0 for name in spec.services})
    yield sim
    sim.stop()


def test_each_service_listener_serves_only_its_service(server):
    gateway = httpx.get(server.url("gateway") + "/metrics")
    assert gateway.status_code == 200 and gateway.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'service="gateway"' in gateway.text and 'service="store"' not in gateway.text
    both = httpx.get(server.url() + "/metrics").text
    assert 'service="gateway"' in both and 'service="store"' in both
    assert 'service="store"' in httpx.get(server.url() + "/metrics/store").text


def test_inject_list_and_end_a_fault(server):
    created = httpx.post(server.url() + "/faults", json={"tenant": "south", "kind": "service_down"})
    assert created.status_code == 201
    fault = created.json()
    assert fault["tenant"] == "south" and fault["services"] == ["gateway"]
    assert 'up{service="gateway",tenant="south"} 0.0' in httpx.get(server.url("gateway") + "/metrics").text
    assert 'up{service="gateway",tenant="north"} 1.0' in httpx.get(server.url("gateway") + "/metrics").text
    assert [f["id"] for f in httpx.get(server.url() + "/faults").json()] == [fault["id"]]
    assert httpx.delete(server.url() + f"/faults/{fault['id']}").json() == {"ended": 1}
    assert httpx.get(server.url() + "/faults").json() == []
    assert httpx.delete(server.url() + f"/faults/{fault['id']}").status_code == 404


@pytest.mark.parametrize("body, message", [
    ({"tenant": "west", "kind": "error_burst"}, "tenant: unknown tenant 'west'; this spec has north, south"),
    ({"tenant": "north", "kind": "flood"}, "kind: unknown fault kind 'flood'"),
    ({"tenant": "north"}, "expected a JSON object"),
    ({"tenant": "north", "kind": "error_burst", "duration": "soon"}, "duration: expected seconds"),
    ({"tenant": "north", "kind": "error_burst", "duration": -1}, "duration: expected a positive number"),
    ({"tenant": "platform", "kind": "service_down", "service": "store"}, "service: store is not shared"),
    ({"tenant": "platform", "kind": "service_down", "service": ["cache"]}, "service: expected a service name"),
    ({"tenant": "north", "kind": "cache_down"}, "service: cache is shared by every tenant; inject service_down on it as platform:service_down"),
])
def test_bad_fault_requests_get_a_400_that_names_the_field(server, body, message):
    answer = httpx.post(server.url() + "/faults", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    assert httpx.get(server.url() + "/faults").json() == []


def test_a_dead_shared_service_fails_its_own_scrape_only(server):
    """Prometheus sets `up` of the shared target to 0, as when a real exporter's pod dies."""
    assert 'redis_up{service="cache"} 1.0' in httpx.get(server.url("cache") + "/metrics").text
    created = httpx.post(server.url() + "/faults", json={"tenant": "platform", "kind": "service_down", "service": "cache"})
    assert created.status_code == 201 and created.json()["services"] == ["cache"]
    assert httpx.get(server.url("cache") + "/metrics").status_code == 503
    assert httpx.get(server.url() + "/metrics/cache").status_code == 503
    assert httpx.get(server.url("gateway") + "/metrics").status_code == 200
    everything = httpx.get(server.url() + "/metrics")
    assert everything.status_code == 200 and 'service="cache"' not in everything.text
    assert httpx.delete(server.url() + "/faults").json() == {"ended": 1}
    assert httpx.get(server.url("cache") + "/metrics").status_code == 200


def test_the_shorthand_kind_kills_a_shared_service(server):
    created = httpx.post(server.url() + "/faults", json={"tenant": "platform", "kind": "cache_down"})
    assert created.status_code == 201 and created.json()["kind"] == "service_down"
    assert httpx.get(server.url("cache") + "/metrics").status_code == 503
    assert httpx.get(server.url()).json()["shared_services"] == ["cache"]


def test_malformed_json_is_a_400(server):
    answer = httpx.post(server.url() + "/faults", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400


def test_stop_frees_every_port(server):
    ports = [server.port(name) for name in server.servers]
    server.stop()
    for port in ports:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
