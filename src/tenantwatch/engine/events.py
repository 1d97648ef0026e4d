"""An in-process publish/subscribe of incident changes, for live views (the web dashboard).

Publishers may be worker threads (sync routes, the scheduler); each subscriber is an asyncio
queue bound to its own loop, fed with call_soon_threadsafe. A slow subscriber loses the
oldest events rather than slowing the engine down.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

QUEUE_SIZE = 1000


class Broadcaster:
    """`async with events.subscribe() as queue: event = await queue.get()`."""

    def __init__(self) -> None:
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = set()
        self._lock = threading.Lock()

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue(QUEUE_SIZE))
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers.discard(entry)

    def publish(self, event: dict[str, Any]) -> None:
        """Hand an event (e.g. {"type": "incident", "id": 3, "tenant": "acme", "status": "open"}) to all."""
        with self._lock:
            targets = list(self._subscribers)
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(_offer, queue, event)
            except RuntimeError:  # the subscriber's loop is closed
                pass


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)
