"""The worker's part in a cluster: stand by until it holds the leader lock, then process the
intake log and run the scheduler; tell every replica how far it got and what awaited entries
did. A worker that loses its lock's connection stops (its link starts a new one, which stands
by again): another replica may already lead."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Callable

from tenantwatch.engine.cluster.channels import INTAKE, LEADER_KEY, MAX_PAYLOAD, POSITION, RESULT, WAKE
from tenantwatch.engine.cluster.listener import Listener
from tenantwatch.engine.cluster.locks import SessionLock
from tenantwatch.engine.cluster.notifier import Notifier
from tenantwatch.engine.intake.ingest import IntakeResult
from tenantwatch.engine.intake.log import IntakeLog
from tenantwatch.engine.intake.processor import IntakeProcessor

log = logging.getLogger("tenantwatch.engine.cluster")
ALIVE_EVERY = 1.0  # seconds between checks that the leader lock is still held


def result_payload(entry_id: int, result: IntakeResult) -> str:
    """The RESULT notification; the list of incidents touched is shortened to fit a NOTIFY."""
    answer = result.as_json()
    incidents = list(answer["incidents"])  # type: ignore[call-overload]
    while True:
        payload = json.dumps({"id": entry_id, "result": {**answer, "incidents": incidents}})
        if len(payload) <= MAX_PAYLOAD or not incidents:
            return payload
        incidents = incidents[: len(incidents) // 2]


class Reporter:
    """The processor's `report`: the cursor and awaited results, to every replica."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def __call__(self, position: int, results: dict[int, IntakeResult]) -> None:
        for entry_id, result in results.items():
            self._notifier.send(RESULT, result_payload(entry_id, result))
        self._notifier.send(POSITION, str(position))


class Candidate:
    """Listens for appends and wake-ups from the start; leads once it holds the lock."""

    def __init__(self, dsn: str, intake_log: IntakeLog, processor: IntakeProcessor, wake: Callable[[], None]) -> None:
        self._log, self._processor = intake_log, processor
        self._lock = SessionLock(dsn, LEADER_KEY)
        self._listener = Listener(dsn, {INTAKE: self._appended, WAKE: lambda _: wake()}, on_connect=intake_log.refresh)
        self.leading = False

    def _appended(self, payload: str) -> None:
        announced = json.loads(payload)
        if self.leading:  # a stand-by does not keep what it will not process
            for entry_id in announced["want"]:
                self._processor.announce(entry_id)
        self._log.observe(announced["last"])

    async def lead(self, stop: threading.Event) -> bool:
        """Wait for the leader lock (False: stopped first), then take over from the cursor."""
        self._listener.start()
        if not await asyncio.to_thread(self._lock.wait, stop):
            return False
        self.leading = True
        self._processor.resume()
        log.info("this replica leads: it processes the intake log and runs the scheduler")
        return True

    def watch(self, lost: Callable[[], None], stop: threading.Event) -> None:
        """Call `lost` (once) if the lock's connection goes: another replica may lead now."""
        def check() -> None:
            while not stop.wait(ALIVE_EVERY):
                if not self._lock.alive():
                    log.error("the leader lock's connection is gone: this worker stops")
                    lost()
                    return
        threading.Thread(target=check, name="cluster-lease", daemon=True).start()

    def close(self) -> None:
        self._listener.stop()
        self._lock.release()
