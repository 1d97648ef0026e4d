"""A small cap on request bodies, enforced before any route reads them.

Only the Alertmanager webhook needs large bodies (it has its own, larger limit); every other
route takes a few fields, so a body over the cap (declared or streamed in chunks) is refused
with 413 at once and never buffered beyond the cap.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from tenantwatch.engine.api.errors import error_response

DEFAULT_LIMIT = 64 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class BodyLimit:
    """ASGI middleware: bodies of requests under `prefix` (but not under `exempt`) are read up
    to `limit` bytes and handed on; a larger one gets `await refuse(request, message)` (a 413)."""

    def __init__(self, app: Any, *, prefix: str, refuse: Callable[[Request, str], Awaitable[Response]],
                 limit: int = DEFAULT_LIMIT, exempt: tuple[str, ...] = ()) -> None:
        self.app, self.prefix, self.refuse, self.limit, self.exempt = app, prefix, refuse, limit, exempt

    def _applies(self, scope: dict[str, Any]) -> bool:
        return (scope["type"] == "http" and scope["method"] in _BODY_METHODS and scope["path"].startswith(self.prefix)
                and not scope["path"].startswith(self.exempt))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        body = await self._read(scope, receive)
        if body is None:
            message = f"The request is too large (at most {self.limit // 1024} kB)."
            response = await self.refuse(Request(scope), message)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()  # e.g. http.disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, scope: dict[str, Any], receive: Any) -> bytes | None:
        """The whole body, or None as soon as it is known to exceed the limit."""
        declared = dict(scope.get("headers", [])).get(b"content-length")
        return await read_capped(_received(receive), declared.decode("latin-1") if declared else None, self.limit)


async def _received(receive: Any) -> AsyncIterator[bytes]:
    """The body's chunks as the server hands them over (until the last, or a disconnect)."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def read_capped(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is known to exceed `limit`: from its declared
    Content-Length, else while it streams in (never buffered beyond the cap). The middleware
    and the webhook's larger limit both read through it."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


async def api_too_large(_: Request, message: str) -> Response:
    """The API's 413, in its error shape."""
    return error_response(413, "payload_too_large", message)
