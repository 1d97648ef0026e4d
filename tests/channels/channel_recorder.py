"""A local HTTP server standing in for Slack, Discord, PagerDuty or a webhook receiver.

It records every request and answers with scripted statuses (then 200), so tests can make a
channel fail and recover and count what was actually accepted.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


class ChannelRecorder:
    """Start with `with ChannelRecorder() as server:`; `server.url(path)` is where to post."""

    def __init__(self, statuses: list[int] | None = None, retry_after: str | None = None) -> None:
        self.statuses = list(statuses or [])
        self.retry_after = retry_after
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with recorder._lock:
                    status = recorder.statuses.pop(0) if recorder.statuses else 200
                    recorder.requests.append(Request("POST", self.path, dict(self.headers), body, status))
                answer = b'{"status": "success"}' if status < 300 else b'{"error": "scripted"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status >= 300 and recorder.retry_after is not None:
                    self.send_header("Retry-After", recorder.retry_after)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    @property
    def delivered(self) -> list[Request]:
        """The requests the server accepted (2xx): what a user would actually see."""
        return [r for r in self.requests if 200 <= r.status < 300]

    def __enter__(self) -> "ChannelRecorder":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
