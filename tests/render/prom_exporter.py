"""A tiny /metrics endpoint on 127.0.0.1 whose counters grow at fixed rates, for live tests
of the rendered rules in a real Prometheus."""

from __future__ import annotations

import http.server
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from tests.conftest import free_port

Rates = dict[str, float]  # exposition series text -> increase per second (or a gauge's value)


def exposition(rates: Rates, elapsed: float, gauges: Rates | None = None) -> bytes:
    lines = [f"{series} {rate * elapsed:.3f}" for series, rate in rates.items()]
    lines += [f"{series} {value}" for series, value in (gauges or {}).items()]
    return ("\n".join(lines) + "\n").encode()


@contextmanager
def exporter(rates: Rates, gauges: Rates | None = None) -> Iterator[str]:
    """Serve counters that grow at `rates` from now, and `gauges` (a dict the test may change
    while it runs); yields `host:port`."""
    start = time.monotonic()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(rates, time.monotonic() - start, gauges)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
