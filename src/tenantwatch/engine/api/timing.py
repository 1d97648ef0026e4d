"""Request latency by route, for the engine's own histogram (ids folded into `{id}`, so
the route label has a bounded set of values)."""

from __future__ import annotations

import re
import time
from typing import Any

from tenantwatch.engine.metrics import EngineMetrics

_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


class RequestTimer:
    """ASGI middleware: request latency by route (ids folded, to bound the label values)."""

    def __init__(self, app: Any, metrics: EngineMetrics) -> None:
        self.app, self.metrics = app, metrics

    @staticmethod
    def _template(scope: dict[str, Any]) -> str:
        """The path with ids as `{id}`, or `unmatched` when no route took the request."""
        return _ID_SEGMENT.sub("/{id}", scope["path"]) if "route" in scope else "unmatched"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            self.metrics.request_duration.labels(route=self._template(scope), method=scope["method"], code=str(status[0])).observe(
                time.perf_counter() - started)
