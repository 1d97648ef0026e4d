"""Server-Sent Events at /ui/events: the viewer's incidents as they change, without reloads.

The engine's broadcaster (`app.state.events`, `subscribe()` -> asyncio queue) only
wakes the stream up; what is sent is always re-read through the engine API with the
viewer's key, then filtered by tenant once more (its own incidents and the platform
incidents that affect it). So an event about another tenant can at most cause a wake-up,
never reach the browser. Without a broadcaster the stream polls.

Events: `snapshot` (all visible incidents, on connect), `incident` (one that is new or
changed), `logout` (the session ended: logged out, or its key revoked - through the API,
which wakes every stream at once, or on the command line of another process, which the
stream notices within KEY_CHECK_SECONDS, as it checks its session that often while idle).

A session holds at most MAX_STREAMS_PER_SESSION streams at a time (429 beyond), so one
user cannot tie up the engine's connections and wake-ups.
"""

from __future__ import annotations

import asyncio
import json
import threading
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.responses import Response

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.web.engine_api import EngineApi, EngineError
from tenantwatch.web.sessions import Session, current_session, still_valid
from tenantwatch.web.views import error

router = APIRouter()
POLL_SECONDS = 1.0  # without a broadcaster
SAFETY_POLL_SECONDS = 30.0  # with one, in case an event was dropped by a full queue
KEY_CHECK_SECONDS = 1.0  # an idle stream checks its session and key this often
MAX_STREAMS_PER_SESSION = 4
RETRY_AFTER_SECONDS = 5


class StreamSlots:
    """How many event streams each session has open; `take` refuses past the limit."""

    def __init__(self, limit: int = MAX_STREAMS_PER_SESSION) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, sid: str) -> Callable[[], None] | None:
        """A slot's release function (safe to call twice), or None when the session has no slot left."""
        with self._lock:
            if self._open.get(sid, 0) >= self.limit:
                return None
            self._open[sid] = self._open.get(sid, 0) + 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if released.is_set():
                    return
                released.set()
                self._open[sid] -= 1
                if not self._open[sid]:
                    del self._open[sid]

        return release


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@asynccontextmanager
async def wakeups(request: Request, session: Session) -> AsyncIterator[Callable[[float], Awaitable[bool]]]:
    """`await wait(seconds)`: True as soon as something may have changed for the viewer,
    False when `seconds` passed without."""
    broadcaster = getattr(request.app.state, "events", None)
    if broadcaster is None:
        async def poll(_: float) -> bool:
            await asyncio.sleep(getattr(request.app.state, "web_poll_seconds", POLL_SECONDS))
            return True
        yield poll
        return
    async with broadcaster.subscribe() as queue:
        async def wait(seconds: float) -> bool:
            try:
                async with asyncio.timeout(seconds):
                    while True:
                        event = await queue.get()
                        tenant = event.get("tenant")  # what is sent is re-read with the key, and filtered, below
                        if event.get("type") == "key" or tenant == PLATFORM_TENANT or session.viewer.can_see(tenant):
                            return True
            except TimeoutError:
                return False
        yield wait


async def stream(request: Request, session: Session) -> AsyncIterator[str]:
    api = EngineApi(request, session.key)
    seen: dict[Any, Any] = {}
    first = True
    async with wakeups(request, session) as wait:
        while not await request.is_disconnected():
            try:
                incidents = await api.incidents()
            except EngineError as exc:
                if exc.status == 401:
                    yield sse("logout", {"message": "session ended"})
                    return
                yield sse("problem", {"message": str(exc)})
                incidents = None
            if incidents is not None:
                visible = [i for i in incidents if session.viewer.can_see_incident(i)]
                if first:
                    yield sse("snapshot", {"incidents": visible})
                for item in visible:
                    version = (item.get("status"), item.get("updated_at"), item.get("severity"))
                    if not first and seen.get(item.get("id")) != version:
                        yield sse("incident", item)
                    seen[item.get("id")] = version
                first = False
            yield ": alive\n\n"
            idle = 0.0
            while idle < SAFETY_POLL_SECONDS and not await wait(KEY_CHECK_SECONDS):
                idle += KEY_CHECK_SECONDS
                if not await still_valid(request, session):
                    yield sse("logout", {"message": "session ended"})
                    return


async def _holding(slot: Callable[[], None], events: AsyncIterator[str]) -> AsyncIterator[str]:
    """The stream, giving its slot back when it ends (the response's background task gives it
    back too, for a stream that never started)."""
    try:
        async for event in events:
            yield event
    finally:
        slot()


@router.get("/ui/events", include_in_schema=False)
async def events(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return error(401, "unauthenticated", "log in first")
    slot = request.app.state.web_streams.take(session.sid)
    if slot is None:
        return error(429, "too_many_streams", f"at most {MAX_STREAMS_PER_SESSION} live streams per session",
                     {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return StreamingResponse(_holding(slot, stream(request, session)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
                             background=BackgroundTask(slot))
