"""Opening the store: SQLAlchemy engine, durability settings, migrations, one write lock.

SQLite runs in WAL mode with synchronous=FULL so a committed alert survives kill -9 and
power loss; PostgreSQL is durable by default. Writes go through `Store.write()`, which
serialises them inside this process: correlation reads then writes, and two concurrent
requests must not both open an incident for related alerts. Between processes (the answering
process and its worker, and engine replicas on PostgreSQL) a database lock taken when a write
begins serialises them: SQLite's write lock, or a PostgreSQL transaction advisory lock.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from tenantwatch.engine.cluster.channels import WRITE_KEY

DEFAULT_DB = "sqlite:///./tenantwatch.db"
ALEMBIC_DIR = Path(__file__).with_name("alembic")


class StoreError(Exception):
    """The store URL is unusable or the database cannot be reached or migrated."""


def default_url() -> str:
    """TENANTWATCH_DB, else a SQLite file in the working directory."""
    return os.environ.get("TENANTWATCH_DB") or DEFAULT_DB


WRITES = "tenantwatch_writes"  # the execution option Store.write() sets on its connection


def sqlite_engine(url: URL) -> Engine:
    """A SQLite engine for the store or the intake log: WAL, synchronous=FULL, and write
    transactions that take the write lock when they begin (BEGIN IMMEDIATE). Two processes
    write the store (the answering process and its worker): a transaction that read first
    and then wrote would otherwise fail at once, without waiting, when the other process had
    committed in between (SQLITE_BUSY_SNAPSHOT); an immediate one waits its turn instead."""
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    dbapi_conn.isolation_level = None  # the driver's own BEGIN is deferred: _sqlite_begin emits ours


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def postgres_engine(url: URL) -> Engine:
    """A PostgreSQL engine whose write transactions (Store.write) take one advisory lock first:
    correlation reads then writes, and a replica's processor, another's scheduler and an API
    write on a third must not interleave on one incident (read committed would let them)."""
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "begin", _postgres_begin)
    return engine


def _postgres_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITES, False):
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": WRITE_KEY})


class Store:
    """The engine's database: a session factory plus a process-wide write lock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_lock = threading.RLock()

    @property
    def in_memory(self) -> bool:
        """An in-memory SQLite database: no other connection, let alone process, sees it."""
        return self.dialect == "sqlite" and (self.engine.url.database or "") in ("", ":memory:")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the write lock across several transactions (re-entrant: write() works inside)."""
        with self._write_lock:
            yield

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session committed on success (before the caller answers), rolled back on error."""
        with self._write_lock, self.sessions() as session:
            with session.begin():
                session.connection(execution_options={WRITES: True})  # SQLite: BEGIN IMMEDIATE
                yield session

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision shipped in the package."""
        config = Config()
        config.set_main_option("script_location", str(ALEMBIC_DIR))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the store at a SQLAlchemy URL."""
    url = url or default_url()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"--db: not a database URL: {exc}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"--db: unsupported database {parsed.get_backend_name()!r}; use sqlite:///FILE or postgresql+psycopg://...")
    if parsed.get_backend_name() == "sqlite":
        engine = sqlite_engine(parsed)
    else:
        engine = postgres_engine(parsed)
    store = Store(engine)
    if migrate:
        try:
            store.migrate()
        except Exception as exc:
            engine.dispose()
            raise StoreError(f"--db: cannot open {parsed.render_as_string(hide_password=True)}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    return store
