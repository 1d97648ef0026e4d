"""From the intake log to incidents: in order, exactly once, off the request path.

Each pass reads the log entries after the store's cursor, ingests them (correlation,
incidents, escalation plans, timeline) and moves the cursor in the same transaction, so a
crash between a 2xx and the processing replays the entry and nothing is done twice.
Consecutive entries are ingested together while they repeat no alert identity (an identity
seen twice must be seen in order: fired, then resolved), which amortises the per-batch work
when Alertmanager sends faster than one entry at a time can be processed.

Readers that must see what was accepted (the API's incident views) wait for the cursor to
pass the log's last entry (`caught_up`): normally a few milliseconds. With replicas
(engine/cluster/) the readers are in other processes: a `report` callback then tells them
the cursor and the awaited results after each pass.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantwatch.engine.incidents.timeline import IncidentChanges
from tenantwatch.engine.intake.ingest import IntakeResult
from tenantwatch.engine.intake.log import Entry, IntakeLog
from tenantwatch.engine.intake.payload import WebhookIn, parse_webhook
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.models import IntakeCursor
from tenantwatch.secrets import error_origin

logger = logging.getLogger(__name__)
Ingest = Callable[[Session, WebhookIn, str, dt.datetime], IntakeResult]
Report = Callable[[int, dict[int, IntakeResult]], None]  # (cursor, awaited entry id -> its result)
PASS_ENTRIES = 50  # log entries per processing transaction at most (it holds the store's write lock)
PASS_BYTES = 1 << 20  # and about this many bytes of webhook bodies (~3 000 alerts), so a pass stays short
BUSY_PAUSE = 3.0  # while webhooks arrive, pause this many times a pass's duration after it
FORGET_EVERY = 1000  # processed entries between log clean-ups
READ_WAIT = 5.0  # seconds a reader waits for the processing to catch up, at most


@dataclass
class Chunk:
    """Consecutive entries of one sender ingested as one payload (no identity twice)."""

    who: str
    entries: list[Entry] = field(default_factory=list)
    payloads: list[WebhookIn] = field(default_factory=list)
    identities: set[tuple[str, str, dt.datetime]] = field(default_factory=set)

    def payload(self) -> WebhookIn:
        if len(self.payloads) == 1:
            return self.payloads[0]
        return WebhookIn(version="4", alerts=[a for p in self.payloads for a in p.alerts])


def chunks(entries: list[Entry], wanted: set[int]) -> list[Chunk]:
    """Entries grouped for ingestion; an entry whose sender waits for its own result
    (`wanted`) is ingested alone, so its result is exactly its own. Bodies are decoded again
    (0.15 ms for 100 alerts): cheaper than keeping every accepted payload's objects alive."""
    out: list[Chunk] = []
    for entry in entries:
        payload = parse_webhook(entry.body)
        keys = {(a.labels["tenant"], a.identity_fingerprint, a.startsAt) for a in payload.alerts}
        last = out[-1] if out else None
        if (last is None or last.who != entry.who or entry.id in wanted or last.entries[-1].id in wanted
                or keys & last.identities):
            last = Chunk(entry.who)
            out.append(last)
        last.entries.append(entry)
        last.payloads.append(payload)
        last.identities |= keys
    return out


def _bounded(entries: list[Entry]) -> list[Entry]:
    """The first entries up to PASS_BYTES of bodies (at least one)."""
    size = 0
    for count, entry in enumerate(entries):
        size += len(entry.body)
        if size > PASS_BYTES and count:
            return entries[:count]
    return entries


def _cursor(session: Session) -> IntakeCursor:
    """The store's cursor row, locked for this transaction (created on first use)."""
    cursor = session.get(IntakeCursor, 1, with_for_update=True)
    if cursor is None:
        cursor = IntakeCursor(id=1, position=0)
        session.add(cursor)
    return cursor


def stored_position(store: Store) -> int:
    """The cursor as committed: the last log id whose alerts are in the store."""
    with store.read() as session:
        return session.scalar(select(IntakeCursor.position).where(IntakeCursor.id == 1)) or 0


class IntakeProcessor:
    """Turns log entries into incidents; one pass at a time (a lock), in a thread or inline."""

    def __init__(self, log: IntakeLog, store: Store, ingest: Ingest, publish: Callable[[IncidentChanges], None],
                 now: Callable[[], dt.datetime], observe_lag: Callable[[float], None] = lambda seconds: None,
                 on_set_aside: Callable[[], None] = lambda: None, report: Report | None = None) -> None:
        self.log, self.store, self.ingest, self.publish, self.now = log, store, ingest, publish, now
        self.observe_lag, self.on_set_aside, self.report = observe_lag, on_set_aside, report
        self.position = stored_position(self.store)
        if log.last_id < self.position and not log.shared:  # a new log file (the old one was removed): its ids start again
            logger.warning("intake log restarts at %d below the cursor %d: processing it from its start",
                           log.last_id, self.position)
            with self.store.write() as session:
                _cursor(session).position = self.position = 0
        self._pass = threading.Lock()
        self._processed = threading.Condition()
        self._wanted: set[int] = set()
        self._readers = 0  # callers waiting in caught_up(): the processor then does not pause
        self._results: dict[int, IntakeResult] = {}
        self._since_forget = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # passes ---------------------------------------------------------------------------------
    def step(self, limit: int = PASS_ENTRIES) -> int:
        """Process what the log holds after the cursor (up to `limit` entries); returns how many."""
        with self._pass:
            entries = _bounded(self.log.after(self.position, limit))
            if not entries:
                return 0
            with self._processed:
                wanted = {e.id for e in entries if e.id in self._wanted}
            done: list[tuple[Chunk, IntakeResult]] = []
            now = self.now()
            with self.store.write() as session:
                cursor = _cursor(session)
                if cursor.position >= entries[-1].id:  # another engine on this database did it
                    self.position = cursor.position
                    return 0
                for chunk in chunks([e for e in entries if e.id > cursor.position], wanted):
                    done.append((chunk, self.ingest(session, chunk.payload(), chunk.who, now)))
                cursor.position = entries[-1].id
            self._finish(entries, done)
            return len(entries)

    def _finish(self, entries: list[Entry], done: list[tuple[Chunk, IntakeResult]]) -> None:
        for chunk, result in done:
            self.publish(result.changes)
        finished = self.now()
        for entry in entries:
            self.observe_lag((finished - entry.accepted_at).total_seconds())
        reported: dict[int, IntakeResult] = {}
        with self._processed:
            self.position = entries[-1].id
            for chunk, result in done:
                first = chunk.entries[0].id
                if first in self._wanted:
                    if self.report is None:
                        self._results[first] = result
                    else:  # the waiter is elsewhere: handed over, not kept
                        self._wanted.discard(first)
                        reported[first] = result
            self._processed.notify_all()
        if self.report is not None:
            self.report(self.position, reported)
        self._since_forget += len(entries)
        if self._since_forget >= FORGET_EVERY:
            self._since_forget = 0
            self.log.forget(self.position)

    def drain(self) -> None:
        """Process everything accepted so far."""
        while self.position < self.log.last_id and self.step():
            pass

    def resume(self) -> None:
        """Continue from the stored cursor and the log's end: another replica may have moved
        both while this one stood by. Awaited entries already behind the cursor are dropped."""
        with self._pass:
            self.log.refresh()
            stored = stored_position(self.store)
            with self._processed:
                self.position = max(self.position, stored)
                self._wanted = {entry for entry in self._wanted if entry > self.position}
                self._processed.notify_all()

    # waiting ------------------------------------------------------------------------------
    def announce(self, entry_id: int) -> None:
        """An entry whose sender waits for its result (IntakeLog.append's `announce`, called
        before the log shows the entry): its result is kept for `result()`."""
        with self._processed:
            self._wanted.add(entry_id)

    def result(self, entry_id: int, timeout: float) -> dict[str, object] | None:
        """What a wanted entry did once processed (IntakeResult.as_json), None after `timeout` s."""
        try:
            if not self.caught_up(entry_id, timeout):
                return None
            with self._processed:
                done = self._results.get(entry_id)
                return done.as_json() if done is not None else None
        finally:
            with self._processed:
                self._wanted.discard(entry_id)
                self._results.pop(entry_id, None)

    def caught_up(self, position: int | None = None, timeout: float = READ_WAIT) -> bool:
        """Wait until the cursor reaches `position` (default: the log's last entry)."""
        target = self.log.last_id if position is None else position
        if self._thread is None:
            self.drain()
        with self._processed:
            self._readers += 1
            try:
                return self._processed.wait_for(lambda: self.position >= target, timeout=timeout)
            finally:
                self._readers -= 1

    def progress(self, after: int, timeout: float) -> int:
        """The cursor once it is past `after`, or as it is after `timeout` seconds (for a
        follower that reports it elsewhere; unlike caught_up() it does not count as a reader)."""
        with self._processed:
            self._processed.wait_for(lambda: self.position > after, timeout=timeout)
            return self.position

    # the thread ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="intake-processor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.log.appended:
                self.log.appended.wait_for(lambda: self.log.last_id > self.position or self._stop.is_set(), timeout=1.0)
            try:
                self._catch_up()
            except Exception as exc:
                self._recover(exc)

    def _catch_up(self) -> None:
        """Drain the log; while webhooks keep arriving and nobody waits to read, pause after
        each pass so that answering them keeps most of the CPU (one interpreter lock for both):
        a burst waits in the log, not in Alertmanager's queue."""
        while self.position < self.log.last_id and not self._stop.is_set():
            started = time.monotonic()
            if not self.step():
                return
            if self.log.busy() and not self._readers:
                self._stop.wait((time.monotonic() - started) * BUSY_PAUSE)

    def _recover(self, exc: Exception) -> None:
        """A pass failed: take the next entry alone, and if it fails again set it aside (its
        alerts are counted as an intake error and logged) so one entry cannot stop the rest."""
        logger.error("intake processing failed: %s; retrying entry by entry", error_origin(exc))
        self._stop.wait(0.2)
        try:
            self.step(limit=1)
        except Exception as again:
            self._set_aside(again)

    def _set_aside(self, exc: Exception) -> None:
        with self._pass:
            entries = self.log.after(self.position, 1)
            if not entries:
                return
            with self.store.write() as session:
                cursor = _cursor(session)
                cursor.position = max(cursor.position, entries[0].id)
            logger.error("intake entry %d set aside after two failures: %s", entries[0].id, error_origin(exc))
            self.on_set_aside()
            with self._processed:
                self.position = entries[0].id
                self._processed.notify_all()
            if self.report is not None:
                self.report(self.position, {})

    def stop(self) -> None:
        """Stop the thread, then process what was accepted before the stop (a clean shutdown
        leaves no backlog; a crash leaves it to the next start)."""
        self._stop.set()
        with self.log.appended:
            self.log.appended.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.drain()
