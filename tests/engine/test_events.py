"""The in-process broadcaster the dashboard subscribes to: intake, ack and every timeline line
the scheduler writes publish events."""

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


def test_a_live_subscriber_sees_the_notified_and_remediation_lines(engine: Engine) -> None:
    """The lines a scheduler pass writes (escalated, remediation, notified) reach the live
    dashboard, and each moves the incident's updated_at."""
    engine.post([alert(service="api", name="CpuSaturation", category="saturation")])
    [incident] = engine.incidents()
    now = engine.clock.advance(60)
    events: Broadcaster = engine.client.app.state.events

    async def listen() -> list[dict]:
        async with events.subscribe() as queue:
            await asyncio.to_thread(engine.tick)  # its publications are queued before it returns
            return [queue.get_nowait() for _ in range(queue.qsize())]

    seen = asyncio.run(listen())
    kinds = [e["kind"] for e in seen if e["id"] == incident["id"]]
    assert kinds.count("notified") == 2 and "remediation" in kinds and "escalated" in kinds, kinds
    [after] = engine.incidents()
    assert after["updated_at"] == now.isoformat() and after["timeline"][-1]["kind"] == "notified"


def test_a_full_queue_drops_the_oldest_event() -> None:
    events = Broadcaster()

    async def flood() -> dict:
        async with events.subscribe() as queue:
            for n in range(1005):
                events.publish({"n": n})
            await asyncio.sleep(0)  # let the loop run the queued call_soon_threadsafe callbacks
            return await queue.get()

    assert asyncio.run(flood())["n"] == 5
