"""Server-Sent Events at /ui/events: the viewer's incidents as they change, without reloads.

The engine's broadcaster (`app.state.events`, `subscribe()` -> asyncio queue) only
wakes the stream up; what is sent is always re-read through the engine API with the
viewer's key, then filtered by tenant once more (its own incidents and the platform
incidents that affect it). So an event about another tenant can at most cause a wake-up,
never reach the browser. Without a broadcaster the stream polls.

Events: `snapshot` (all visible incidents, on connect), `incident` (one that is new or
changed), `logout` (the key stopped working: every pass re-reads with the key, and a key
revoked through the API wakes every stream at once).
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.web.api import error
from tenantwatch.web.engine_api import EngineApi, EngineError
from tenantwatch.web.sessions import Session, current_session

router = APIRouter()
POLL_SECONDS = 1.0  # without a broadcaster
SAFETY_POLL_SECONDS = 30.0  # with one, in case an event was dropped by a full queue


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@asynccontextmanager
async def wakeups(request: Request, session: Session) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """A function that returns when something may have changed for the viewer."""
    broadcaster = getattr(request.app.state, "events", None)
    if broadcaster is None:
        yield lambda: asyncio.sleep(getattr(request.app.state, "web_poll_seconds", POLL_SECONDS))
        return
    async with broadcaster.subscribe() as queue:
        async def wait() -> None:
            try:
                while True:
                    event = await asyncio.wait_for(queue.get(), SAFETY_POLL_SECONDS)
                    tenant = event.get("tenant")  # what is sent is re-read with the key, and filtered, below
                    if event.get("type") == "key" or tenant == PLATFORM_TENANT or session.viewer.can_see(tenant):
                        return
            except asyncio.TimeoutError:
                return
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
            await wait()


@router.get("/ui/events", include_in_schema=False)
async def events(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return error(401, "unauthenticated", "log in first")
    return StreamingResponse(stream(request, session), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
