"""The answering process's handle on its worker process: the processor's side of the use cases
(`running`, `position`, `announce`, `result`, `caught_up`, `start`, `stop`) and the scheduler's
`wake()`, over one pipe (worker.py has the other end).

To the worker go the log's last id after each append, the ids somebody waits for, and wake-ups
after API writes; back come the cursor (reads wait for it: read-your-writes across the two
processes), incident events for the live views, metric updates and awaited results. A worker
that dies is started again after a second; it replays the log from the stored cursor, so
nothing accepted is lost.

With replicas on PostgreSQL (engine/cluster/) the worker hears of appends, and of the entries
waited for, from the database itself, and cursor and results come back from whichever replica
leads: the link then relays neither (`relay_intake=False`), and cluster/views.py calls
`observe_position` and `deliver_result`.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from tenantwatch.engine.background.forwarding import apply_metric
from tenantwatch.engine.background.worker import run_worker
from tenantwatch.engine.config import EngineConfig
from tenantwatch.engine.events import Broadcaster
from tenantwatch.engine.intake.log import IntakeLog
from tenantwatch.engine.intake.processor import READ_WAIT, stored_position
from tenantwatch.engine.metrics import EngineMetrics
from tenantwatch.engine.store import Store

log = logging.getLogger("tenantwatch.engine.worker")
RESTART_AFTER = 1.0  # seconds before a worker that died is started again
STOP_WAIT = 60.0  # seconds a stopping worker gets to process what was accepted


class WorkerLink:
    def __init__(self, intake_log: IntakeLog, store: Store, config: EngineConfig, events: Broadcaster,
                 metrics: EngineMetrics, relay_intake: bool = True) -> None:
        self.log, self.store, self.config, self.events, self.metrics = intake_log, store, config, events, metrics
        self.relay_intake = relay_intake
        self.position = stored_position(store)
        self._moved = threading.Condition()
        self._wanted: set[int] = set()
        self._results: dict[int, dict[str, object] | None] = {}
        self._send_lock = threading.Lock()
        self._connection: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stopping = False

    # the processor's interface -----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._process is not None

    def announce(self, entry_id: int) -> None:
        """Somebody waits for this entry's result (called before the log shows the entry)."""
        with self._moved:
            self._wanted.add(entry_id)
        if self.relay_intake:
            self._send(("want", entry_id))

    def result(self, entry_id: int, timeout: float) -> dict[str, object] | None:
        with self._moved:
            try:
                self._moved.wait_for(lambda: entry_id in self._results, timeout=timeout)
                return self._results.pop(entry_id, None)
            finally:
                self._wanted.discard(entry_id)  # a result that comes later is not kept

    def caught_up(self, position: int | None = None, timeout: float = READ_WAIT) -> bool:
        target = self.log.last_id if position is None else position
        with self._moved:
            return self._moved.wait_for(lambda: self.position >= target, timeout=timeout)

    def wake(self) -> None:
        """The scheduler's wake(), in the worker."""
        self._send(("wake",))

    # the process ----------------------------------------------------------------------------------
    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no threads or locks copied
        ours, theirs = context.Pipe()
        db_url = self.store.engine.url.render_as_string(hide_password=False)
        self._process = context.Process(target=run_worker, args=(theirs, self.config, db_url),
                                        name="tenantwatch-worker", daemon=True)
        self._process.start()
        theirs.close()
        self._connection = ours
        threading.Thread(target=self._receive, args=(ours,), name="worker-link", daemon=True).start()
        if self.relay_intake:
            threading.Thread(target=self._forward_appends, args=(ours,), name="worker-appends", daemon=True).start()

    def stop(self) -> None:
        """Ask the worker to process what was accepted and stop; wait for it."""
        self._stopping = True
        process = self._process
        self._send(("stop",))
        if process is not None:
            process.join(timeout=STOP_WAIT)
            if process.is_alive():
                log.error("the worker did not stop within %.0f s: killing it (the log keeps what it had not processed)",
                          STOP_WAIT)
                process.kill()
                process.join()
        self._process = None
        with self.log.appended:
            self.log.appended.notify_all()  # ends the append forwarder

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            if self._connection is None:
                return
            try:
                self._connection.send(message)
            except OSError:  # the worker died: the receiver restarts it, which replays the log
                pass

    def _forward_appends(self, connection: Connection) -> None:
        sent = 0
        while not self._stopping and self._connection is connection:
            with self.log.appended:
                self.log.appended.wait_for(lambda: self.log.last_id > sent or self._stopping, timeout=1.0)
                last = self.log.last_id
            if last > sent:
                self._send(("appended", last))
                sent = last

    def _receive(self, connection: Connection) -> None:
        while True:
            try:
                batch = connection.recv()
            except (EOFError, OSError):
                break
            for message in batch:
                self._handle(message)
        connection.close()
        self.metrics.leader.set(0)  # a new worker leads again only once it holds the lock
        if not self._stopping:
            log.error("the worker process ended unexpectedly: starting it again in %.0f s", RESTART_AFTER)
            time.sleep(RESTART_AFTER)
            if not self._stopping:
                self.start()

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "event":
            self.events.publish(message[1])
        elif kind == "metric":
            apply_metric(self.metrics, *message[1:])
        elif kind == "position":
            self.observe_position(message[1])
        elif kind == "result":
            self.deliver_result(message[1], message[2])

    def observe_position(self, position: int) -> None:
        """The cursor reached `position` (readers waiting for it go on)."""
        with self._moved:
            if position > self.position:
                self.position = position
                self._moved.notify_all()

    def deliver_result(self, entry_id: int, result: dict[str, object] | None) -> None:
        """What an entry did, kept if somebody here waits for it."""
        with self._moved:
            if entry_id in self._wanted:
                self._results[entry_id] = result
                self._moved.notify_all()
