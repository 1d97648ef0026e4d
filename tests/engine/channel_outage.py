"""A local HTTP server standing in for Slack and PagerDuty that can go down and come back.

While down, requests to the failing paths are answered 500 (`mode="500"`) or not answered
until the client has given up (`mode="timeout"`: the handler holds the request until
`recover()` or `hold` seconds, then answers 504, which nobody reads). Only requests answered
2xx count as delivered: what a person in the channel would see.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Hit:
    path: str
    body: Any
    status: int


class ChannelOutage:
    def __init__(self, failing: set[str], mode: str, hold: float = 5.0) -> None:
        self.failing, self.mode, self.hold = failing, mode, hold
        self.hits: list[Hit] = []
        self.up = threading.Event()
        self._lock = threading.Lock()
        outage = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
                status = outage._status(self.path)
                with outage._lock:
                    outage.hits.append(Hit(self.path, body, status))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:  # the client gave up waiting (timeout mode)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _status(self, path: str) -> int:
        if path not in self.failing or self.up.is_set():
            return 200
        if self.mode == "timeout":  # held past the client's timeout: whatever comes after is not read
            self.up.wait(self.hold)
            return 504
        return 500

    def recover(self) -> None:
        self.up.set()

    def attempts(self, path: str) -> int:
        with self._lock:
            return sum(1 for hit in self.hits if hit.path == path)

    def delivered(self, path: str) -> list[Any]:
        with self._lock:
            return [hit.body for hit in self.hits if hit.path == path and hit.status < 300]

    def __enter__(self) -> "ChannelOutage":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.recover()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
