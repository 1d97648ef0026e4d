"""Headers every response of the engine gets, API and dashboard alike.

- `X-Content-Type-Options: nosniff`: JSON and reports are never sniffed into HTML.
- `Cache-Control: no-store` unless the route chose its own (only the dashboard's static
  assets do): incidents, audit entries and pages carry tenant data that no browser or proxy
  cache should keep.
- A redirect to this same host is made relative (`/ui/incidents`, not
  `http://<Host header>/ui/incidents`), so a forged Host header never comes back in a
  Location (Starlette's trailing-slash redirect builds absolute URLs from it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def _relative(location: bytes, host: bytes) -> bytes:
    """`location` without scheme and host when it points at `host` itself."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme or parts.netloc.encode("latin-1").lower() != host.lower():
        return location
    path = "/" + parts.path.lstrip("/")  # never `//evil.example` (a scheme-relative URL)
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers", [])).get(b"host", b"")

        async def add_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, _relative(v, host) if k.lower() == b"location" else v) for k, v in message.get("headers", [])]
                names = {k.lower() for k, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)
