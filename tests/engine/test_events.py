"""The in-process broadcaster the dashboard subscribes to: intake and ack publish events."""

from __future__ import annotations

import asyncio
import threading

from tenantwatch.engine.events import Broadcaster
from tests.engine.conftest import Engine, alert


def test_subscribers_receive_incident_changes_from_worker_threads(engine: Engine) -> None:
    events: Broadcaster = engine.client.app.state.events

    async def listen() -> list[dict]:
        async with events.subscribe() as queue:
            worker = threading.Thread(target=engine.post, args=([alert()],))
            worker.start()
            first = await asyncio.wait_for(queue.get(), timeout=10)
            worker.join()
            return [first]

    [event] = asyncio.run(listen())
    assert event["type"] == "incident" and event["tenant"] == "acme" and event["kind"] == "opened"


def test_a_full_queue_drops_the_oldest_event() -> None:
    events = Broadcaster()

    async def flood() -> dict:
        async with events.subscribe() as queue:
            for n in range(1005):
                events.publish({"n": n})
            await asyncio.sleep(0)  # let the loop run the queued call_soon_threadsafe callbacks
            return await queue.get()

    assert asyncio.run(flood())["n"] == 5
