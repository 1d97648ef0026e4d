"""The worker process: the intake processor and the scheduler, away from the answering process.

Started by link.WorkerLink (multiprocessing, spawn) with the engine's config and the store's
URL; it opens the same database and intake log, and runs until told to stop or until the pipe
to the answering process closes (that process died: nothing is left to report to, and the next
start replays what the log holds). A clean stop processes what was accepted before it.

It runs at a lower CPU priority (nice) than the answering process: under a flood the cores go
to answering first and the log absorbs the burst, which is processed as soon as there is room.

On PostgreSQL the worker is one replica's candidate (engine/cluster/leading.py): it processes
and schedules only while it holds the leader lock, and stands by until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any, cast

from tenantwatch.engine.background.forwarding import ForwardedEvents, ForwardedMetrics, Messenger
from tenantwatch.engine.background.wiring import intake_processor
from tenantwatch.engine.cluster.channels import libpq_url
from tenantwatch.engine.cluster.leading import Candidate, Reporter
from tenantwatch.engine.cluster.notifier import Notifier
from tenantwatch.engine.clock import SystemClock
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.escalation.scheduler import Scheduler
from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.intake.log import IntakeLog
from tenantwatch.engine.intake.processor import READ_WAIT, IntakeProcessor
from tenantwatch.engine.metrics import EngineMetrics
from tenantwatch.engine.remediation import default_remediator
from tenantwatch.engine.store import open_store
from tenantwatch.engine.tuning import tune_interpreter

log = logging.getLogger("tenantwatch.engine.worker")
NICENESS = 10  # below the answering process, not starved
POSITION_POLL = 1.0  # seconds between cursor reports when nothing moves (a liveness beat too)


def run_worker(connection: Connection, config: EngineConfig, db_url: str) -> None:
    """The worker's main (the target of the child process)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    store = open_store(db_url, migrate=False)  # the answering process migrated it
    intake_log = IntakeLog.for_store(store.engine)
    messenger = Messenger(connection)
    metrics = cast(EngineMetrics, ForwardedMetrics(messenger))
    events = cast(Broadcaster, ForwardedEvents(messenger))
    clock = SystemClock()
    scheduler = Scheduler(store, config, clock, metrics, events, default_remediator(config.spec, clock, config.environ, store))
    replicated = store.dialect == "postgresql"
    dsn = libpq_url(store.engine.url)
    notifier = Notifier(dsn) if replicated else None
    processor = intake_processor(intake_log, store, config, clock, metrics, events, scheduler.wake,
                                 report=Reporter(notifier) if notifier else None)
    candidate = Candidate(dsn, intake_log, processor, scheduler.wake) if replicated else None
    tune_interpreter()
    try:
        asyncio.run(_serve(connection, intake_log, processor, scheduler, messenger, metrics, candidate))
    finally:
        if candidate is not None:
            candidate.close()
        if notifier is not None:
            notifier.close()
        messenger.close()
        intake_log.close()
        store.close()


async def _serve(connection: Connection, intake_log: IntakeLog, processor: IntakeProcessor, scheduler: Scheduler,
                 messenger: Messenger, metrics: EngineMetrics, candidate: Candidate | None) -> None:
    loop = asyncio.get_running_loop()
    stopping, halt = asyncio.Event(), threading.Event()

    def stop() -> None:
        halt.set()
        loop.call_soon_threadsafe(stopping.set)

    # Ctrl-C reaches the whole process group: the answering process tells the worker when to
    # stop (after the last webhook it answered). A SIGTERM of its own stops it cleanly too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loop.add_signal_handler(signal.SIGTERM, stop)
    threading.Thread(target=_listen, args=(connection, intake_log, processor, scheduler, messenger, stop),
                     name="worker-commands", daemon=True).start()
    if candidate is not None:
        if not await candidate.lead(halt):
            return  # stopped while standing by: nothing of ours to finish
        candidate.watch(stop, halt)
    metrics.leader.set(1)
    processor.start()
    threading.Thread(target=_report_position, args=(processor, messenger), name="worker-position", daemon=True).start()
    schedule = asyncio.create_task(scheduler.run())
    await stopping.wait()
    schedule.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await schedule
    processor.stop()  # processes what was accepted before the stop
    messenger.post(("position", processor.position))


def _listen(connection: Connection, intake_log: IntakeLog, processor: IntakeProcessor, scheduler: Scheduler,
            messenger: Messenger, stop: Any) -> None:
    """Commands from the answering process, until `stop` or the pipe closes."""
    while True:
        try:
            command, *args = connection.recv()
        except (EOFError, OSError):
            log.warning("the answering process is gone: the worker stops")
            break
        if command == "appended":
            intake_log.observe(args[0])
        elif command == "want":
            processor.announce(args[0])
            threading.Thread(target=_report_result, args=(processor, messenger, args[0]), daemon=True).start()
        elif command == "wake":
            scheduler.wake()
        elif command == "stop":
            break
    stop()


def _report_result(processor: IntakeProcessor, messenger: Messenger, entry_id: int) -> None:
    messenger.post(("result", entry_id, processor.result(entry_id, READ_WAIT)))


def _report_position(processor: IntakeProcessor, messenger: Messenger) -> None:
    reported = -1
    while True:
        position = processor.progress(reported, POSITION_POLL)
        if position != reported:
            messenger.post(("position", position))
            reported = position
