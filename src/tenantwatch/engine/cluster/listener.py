"""LISTEN on a connection of its own and hand each notification to its channel's handler."""

from __future__ import annotations

import logging
import threading
from typing import Callable

import psycopg
from psycopg import sql

log = logging.getLogger("tenantwatch.engine.cluster")
RECONNECT_AFTER = 1.0  # seconds
POLL = 1.0  # seconds between checks of the stop flag while nothing arrives


class Listener:
    """A daemon thread. `on_connect` runs after every (re)connection, once the channels are
    listened to: notifications sent while disconnected are lost, so it re-reads what they
    would have said (the log's last id, the cursor)."""

    def __init__(self, dsn: str, handlers: dict[str, Callable[[str], None]],
                 on_connect: Callable[[], None] = lambda: None) -> None:
        self._dsn, self._handlers, self._on_connect = dsn, handlers, on_connect
        self._stop = threading.Event()
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cluster-listener", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        """Start listening; returns once the first connection listens (or after `timeout`)."""
        self._thread.start()
        self.ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * POLL + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                log.warning("cluster listener lost its connection (%s): reconnecting", type(exc).__name__)
                self._stop.wait(RECONNECT_AFTER)

    def _listen(self) -> None:
        with psycopg.connect(self._dsn, autocommit=True) as connection:
            for channel in self._handlers:
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self._on_connect()
            self.ready.set()
            while not self._stop.is_set():
                for notification in connection.notifies(timeout=POLL):
                    self._dispatch(notification.channel, notification.payload)

    def _dispatch(self, channel: str, payload: str) -> None:
        try:
            self._handlers[channel](payload)
        except Exception:  # one bad notification must not stop the others
            log.exception("cluster notification on %s failed", channel)
