"""The simulator's HTTP face: /metrics for Prometheus and /faults to inject faults on request.

One listener serves everything (`/metrics`, or `/metrics/<service>`); extra listeners, one
per service, serve only that service's series on `/metrics`, so a static scrape job per
service (what `discovery: static` renders) scrapes each series exactly once. A shared
service that is down answers 503 on its own listener and on `/metrics/<service>`, so
Prometheus marks its target down (`up` 0), as when a real exporter's pod dies.

    GET    /metrics[/<service>]   Prometheus text format
    GET    /faults                active faults (JSON)
    POST   /faults                {"tenant", "kind", "service"?, "duration"?} -> 201 + the fault
                                  (tenant "platform" for a shared service, kind "<service>_down")
    DELETE /faults[/<id>]         end one fault or all of them
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tenantwatch.sim.exposition import CONTENT_TYPE, render
from tenantwatch.sim.faults import FAULT_KINDS, FaultError
from tenantwatch.sim.world import World

MAX_BODY = 64 * 1024


def _handler(world: World, only_service: str | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # scrapes every 5s: keep stderr quiet
            pass

        def _send(self, code: int, body: str, content_type: str = "application/json") -> None:
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self, code: int, payload: object) -> None:
            self._send(code, json.dumps(payload))

        def _error(self, code: int, message: str) -> None:
            self._json(code, {"error": {"code": code, "message": message}})

        def _metrics(self, service: str | None) -> None:
            if service is not None and world.scrape_fails(service):
                return self._send(503, f"{service} is down (simulated fault)\n", "text/plain; charset=utf-8")
            self._send(200, render(world.series(service)), CONTENT_TYPE)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/metrics":
                self._metrics(only_service)
            elif path.startswith("/metrics/"):
                service = path.removeprefix("/metrics/")
                if service not in world.spec.services:
                    return self._error(404, f"unknown service {service!r}")
                self._metrics(service)
            elif path == "/faults":
                self._json(200, [f.as_dict() for f in world.faults()])
            elif path in ("", "/healthz"):
                self._json(200, {"tenants": list(world.spec.tenants), "services": list(world.spec.services),
                                 "shared_services": world.spec.shared_services(),
                                 "fault_kinds": list(FAULT_KINDS), "speed": world.speed})
            else:
                self._error(404, f"no such path {path!r}")

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/faults":
                return self._error(404, f"no such path {self.path!r}")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._error(413, f"body larger than {MAX_BODY} bytes")
            try:
                body = json.loads(self.rfile.read(length) or b"null")
                if not isinstance(body, dict) or not isinstance(body.get("tenant"), str) or not isinstance(body.get("kind"), str):
                    raise FaultError('expected a JSON object like {"tenant": "acme", "kind": "error_burst"}')
                duration, service = body.get("duration"), body.get("service")
                if duration is not None and not isinstance(duration, (int, float)):
                    raise FaultError(f"duration: expected seconds, got {duration!r}")
                if service is not None and not isinstance(service, str):
                    raise FaultError(f"service: expected a service name, got {service!r}")
                fault = world.inject(body["tenant"], body["kind"], service=service, duration=duration)
            except (FaultError, json.JSONDecodeError) as exc:
                return self._error(400, str(exc))
            self._json(201, fault.as_dict())

        def do_DELETE(self) -> None:
            path = self.path.rstrip("/")
            if path == "/faults":
                return self._json(200, {"ended": world.clear()})
            raw_id = path.removeprefix("/faults/")
            if not path.startswith("/faults/") or not raw_id.isdigit():
                return self._error(404, f"no such path {self.path!r}")
            ended = world.clear(int(raw_id))
            if not ended:
                return self._error(404, f"no active fault {raw_id}")
            self._json(200, {"ended": ended})

    return Handler


@dataclass
class SimServer:
    """The listeners of one World, each served from a daemon thread until stop()."""

    world: World
    host: str = "127.0.0.1"
    servers: dict[str | None, ThreadingHTTPServer] = field(default_factory=dict)

    def start(self, port: int = 0, service_ports: dict[str, int] | None = None) -> "SimServer":
        """Listen on `port` (everything) and on one port per service (0 = any free port)."""
        wanted: dict[str | None, int] = {None: port, **(service_ports or {})}
        for service, service_port in wanted.items():
            server = ThreadingHTTPServer((self.host, service_port), _handler(self.world, service))
            server.daemon_threads = True
            self.servers[service] = server
            threading.Thread(target=server.serve_forever, name=f"sim-{service or 'main'}", daemon=True).start()
        return self

    def port(self, service: str | None = None) -> int:
        return self.servers[service].server_address[1]

    def url(self, service: str | None = None) -> str:
        return f"http://{self.host}:{self.port(service)}"

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()
