"""The intake log: every accepted webhook body, on disk before the 2xx, in arrival order.

Appending is the only durable work on a webhook request; turning the alerts into incidents
happens after, from this log (intake/processor.py). Concurrent appends share one
transaction (one fsync for all the requests that arrived while the previous one was being
written): a single writer thread takes everything queued and commits it, and each request
waits only for its own commit.

On PostgreSQL the log is a table of the engine's database. On SQLite it is a file of its own
beside the database (`<name>.intake.db`, WAL and synchronous=FULL like the store), so an
append never waits for the processor's write transaction: SQLite has one writer per file.

On PostgreSQL several engine replicas append to one log (engine/cluster/): an append takes a
transaction advisory lock before its ids are drawn, so ids commit in order and the
processor's cursor never passes an id that commits later; and it announces itself (NOTIFY,
sent at commit) with the ids whose senders wait for their result.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import (BigInteger, Column, Engine, Integer, LargeBinary, MetaData, String, Table, bindparam, delete,
                        func, insert, select, text)
from sqlalchemy.engine import Connection, make_url

from tenantwatch.engine.cluster.channels import APPEND_KEY, INTAKE
from tenantwatch.engine.store.db import sqlite_engine
from tenantwatch.engine.store.models import UTCDateTime

LOG = MetaData()
ENTRIES = Table(
    "intake_log", LOG,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("accepted_at", UTCDateTime, nullable=False),
    Column("who", String(200), nullable=False),
    Column("body", LargeBinary, nullable=False),  # the webhook body as received (it was validated)
    sqlite_autoincrement=True,  # ids never come back after forget(): the cursor stays meaningful
)
# Statements built once: SQLAlchemy spends more matching a rebuilt statement to its cached
# compilation than running it (auth.py has the figures).
_APPEND = insert(ENTRIES).returning(ENTRIES.c.id, sort_by_parameter_order=True)
_AFTER = (select(ENTRIES).where(ENTRIES.c.id > bindparam("position"), ENTRIES.c.id <= bindparam("last"))
          .order_by(ENTRIES.c.id).limit(bindparam("limit")))
_APPEND_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=APPEND_KEY)
_ANNOUNCE = text("SELECT pg_notify(:channel, :payload)").bindparams(channel=INTAKE)
MAX_GROUP = 500  # requests in one append transaction at most
BUSY_WINDOW = 0.05  # seconds since the last append during which the intake counts as busy


@dataclass(frozen=True)
class Pending:
    """A body waiting for the writer thread."""

    accepted_at: dt.datetime
    who: str
    body: bytes
    announce: Callable[[int], None] | None
    ticket: Future[int]


@dataclass(frozen=True)
class Entry:
    id: int
    accepted_at: dt.datetime
    who: str
    body: bytes


def _beside(database: str) -> str:
    stem = database[:-3] if database.endswith(".db") else database
    return f"{stem}.intake.db"


class IntakeLog:
    """Append (durably, group-committed) and read back in order."""

    @classmethod
    def for_store(cls, store_engine: Engine) -> "IntakeLog":
        """The log of a store: a file of its own beside a SQLite database file, else a table of
        the store's own database (PostgreSQL, or an in-memory SQLite)."""
        url = store_engine.url
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
            return cls(store_engine, owns_engine=False)
        return cls(sqlite_engine(make_url(url).set(database=_beside(database))), owns_engine=True)

    def __init__(self, engine: Engine, owns_engine: bool) -> None:
        self.engine, self._owns_engine = engine, owns_engine
        self.shared = engine.dialect.name == "postgresql"  # replicas may append to it too
        LOG.create_all(engine)
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self.appended = threading.Condition()
        self._last_append = 0.0
        self.last_id = self._max_id()
        self._writer = threading.Thread(target=self._write_forever, name="intake-log", daemon=True)
        self._writer.start()

    def append(self, accepted_at: dt.datetime, who: str, body: bytes,
               announce: Callable[[int], None] | None = None) -> Future[int]:
        """Queue a body; the future resolves with its log id once it is committed (or fails).
        `announce(id)` runs after the commit but before readers of `last_id` can see the entry
        (the processor then knows that somebody waits for this entry's own result)."""
        ticket: Future[int] = Future()
        self._last_append = time.monotonic()
        self._queue.put(Pending(accepted_at, who, body, announce, ticket))
        return ticket

    def busy(self) -> bool:
        """Whether webhooks are arriving right now (one in the last BUSY_WINDOW seconds)."""
        return time.monotonic() - self._last_append < BUSY_WINDOW

    def _write_forever(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                group.append(more)
            self._commit(group)

    def _commit(self, group: list[Pending]) -> None:
        try:
            with self.engine.begin() as connection:
                if self.shared:
                    connection.execute(_APPEND_LOCK)
                ids = list(connection.scalars(
                    _APPEND, [{"accepted_at": p.accepted_at, "who": p.who, "body": p.body} for p in group]))
                if self.shared:
                    _announce(connection, group, ids)
        except Exception as exc:  # the requests fail (5xx), nothing was accepted
            for pending in group:
                pending.ticket.set_exception(exc)
            return
        with self.appended:
            for pending, entry_id in zip(group, ids):
                if pending.announce is not None:
                    pending.announce(entry_id)
            self.last_id = max(self.last_id, ids[-1])
            self.appended.notify_all()
        for pending, entry_id in zip(group, ids):
            pending.ticket.set_result(entry_id)

    def observe(self, last_id: int) -> None:
        """Another process appended up to `last_id` (the answering process, another replica)."""
        with self.appended:
            if last_id > self.last_id:
                self.last_id = last_id
                self.appended.notify_all()

    def refresh(self) -> None:
        """Catch up with appends nobody announced to this process (while it was not listening)."""
        self.observe(self._max_id())

    def _max_id(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.coalesce(func.max(ENTRIES.c.id), 0))).scalar_one()

    def after(self, position: int, limit: int) -> list[Entry]:
        """Entries with an id above `position` and announced (up to `last_id`), oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(_AFTER, {"position": position, "last": self.last_id, "limit": limit})
            return [Entry(*row) for row in rows]

    def forget(self, upto: int) -> None:
        """Drop entries up to `upto` (processed: their alerts are in the store)."""
        with self.engine.begin() as connection:
            connection.execute(delete(ENTRIES).where(ENTRIES.c.id <= upto))

    def close(self) -> None:
        """Stop the writer once what is queued is written; a file of its own is closed too."""
        self._queue.put(None)
        self._writer.join(timeout=10)
        if self._owns_engine:
            self.engine.dispose()


def _announce(connection: Connection, group: list[Pending], ids: list[int]) -> None:
    """NOTIFY the replicas (delivered at commit, in commit order) of the new last id and of the
    entries whose senders wait for their result."""
    wanted = [entry_id for pending, entry_id in zip(group, ids) if pending.announce is not None]
    connection.execute(_ANNOUNCE, {"payload": json.dumps({"last": ids[-1], "want": wanted})})
