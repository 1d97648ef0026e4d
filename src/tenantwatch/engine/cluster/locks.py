"""Session advisory locks held on a connection of their own, for as long as a process lives.

PostgreSQL releases a session lock when its connection ends. A process killed outright closes
its socket and the lock goes at once; a machine that vanishes is noticed by the server's TCP
keepalives (set short on these connections), within about ten seconds.
"""

from __future__ import annotations

import threading

import psycopg

LEASE_POLL = 0.5  # seconds between attempts to take the leader lock
_KEEPALIVES = ("SET tcp_keepalives_idle = 5", "SET tcp_keepalives_interval = 1", "SET tcp_keepalives_count = 5")


class SessionLock:
    """One advisory lock on one dedicated connection."""

    def __init__(self, dsn: str, key: int, *, shared: bool = False) -> None:
        self._dsn, self._key, self._shared = dsn, key, shared
        self._connection: psycopg.Connection | None = None

    def try_take(self) -> bool:
        """Take the lock if nobody holds it (in the other mode); the connection stays open."""
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self._dsn, autocommit=True, keepalives=1, keepalives_idle=5,
                                               keepalives_interval=1, keepalives_count=5)
            for statement in _KEEPALIVES:
                self._connection.execute(statement)
        function = "pg_try_advisory_lock_shared" if self._shared else "pg_try_advisory_lock"
        row = self._connection.execute(f"SELECT {function}(%s)", (self._key,)).fetchone()
        return bool(row and row[0])

    def wait(self, stop: threading.Event) -> bool:
        """Take the lock once it is free; False if `stop` is set first."""
        while not stop.is_set():
            if self.try_take():
                return True
            stop.wait(LEASE_POLL)
        return False

    def alive(self) -> bool:
        """Whether the connection (hence the lock) is still there."""
        try:
            return self._connection is not None and self._connection.execute("SELECT 1").fetchone() is not None
        except psycopg.Error:
            return False

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()  # the server drops the lock with the session
            self._connection = None
