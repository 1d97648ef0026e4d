"""A local HTTP server that stands in for Slack's (or PagerDuty's) webhook and records
every request, so the demo and the tests can show exactly what a channel received."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Recorded:
    at: float
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def mentions(self, text: str) -> bool:
        return text in self.body.decode(errors="replace")


@dataclass
class Recorder:
    """Answers like the real service (Slack: 200 "ok"; PagerDuty: 202 JSON) and keeps each request."""

    host: str = "127.0.0.1"
    requests: list[Recorded] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def start(self, port: int = 0) -> "Recorder":
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                recorder._record(Recorded(time.time(), "POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                                          self.rfile.read(length)))
                pagerduty = self.path.endswith("/enqueue")
                body = b'{"status":"success","message":"Event processed"}' if pagerduty else b"ok"
                self.send_response(202 if pagerduty else 200)
                self.send_header("Content-Type", "application/json" if pagerduty else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer((self.host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="recorder", daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the recorder first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def _record(self, request: Recorded) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    def received(self, where: Callable[[Recorded], bool] = lambda r: True) -> list[Recorded]:
        with self._changed:
            return [r for r in self.requests if where(r)]

    def wait_for(self, where: Callable[[Recorded], bool], timeout: float) -> Recorded | None:
        """The first recorded request matching `where`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((r for r in self.requests if where(r)), None)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
