"""A query running in its own thread and connection, whose end (or cancellation) tests await."""

from __future__ import annotations

import threading
import time

import psycopg


class SlowQuery:
    """`SELECT pg_sleep(seconds)` on a fresh connection; `.error` is what it died of, if anything."""

    def __init__(self, dsn: str, seconds: float) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.pid = self.conn.info.backend_pid
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(seconds,), daemon=True)
        self._thread.start()

    def _run(self, seconds: float) -> None:
        try:
            self.conn.execute("SELECT pg_sleep(%s)", (seconds,))
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
        finally:
            self.finished.set()

    def wait_running_longer_than(self, dsn: str, seconds: float, timeout: float = 10.0) -> None:
        """Poll pg_stat_activity until this query is active and older than `seconds`."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(dsn, autocommit=True) as watcher:
            while time.monotonic() < deadline:
                row = watcher.execute(
                    "SELECT now() - query_start > make_interval(secs => %s) FROM pg_stat_activity "
                    "WHERE pid = %s AND state = 'active'", (seconds, self.pid)).fetchone()
                if row and row[0]:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"query on backend {self.pid} not active for {seconds}s within {timeout}s")

    def stop(self, dsn: str) -> None:
        """Make sure the backend is gone, whatever the test did."""
        if not self.finished.is_set():
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (self.pid,))
        self.finished.wait(10)
        self.conn.close()
