"""NOTIFY from outside a transaction, batched on a connection of its own (engine/batches.py):
a burst of events is a few round trips."""

from __future__ import annotations

import logging

import psycopg

from tenantwatch.engine.batches import BatchSender
from tenantwatch.engine.cluster.channels import MAX_PAYLOAD

log = logging.getLogger("tenantwatch.engine.cluster")
_SEND = "SELECT pg_notify(c, p) FROM unnest(%s::text[], %s::text[]) AS t(c, p)"


class Notifier:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: psycopg.Connection | None = None
        self._sender: BatchSender[tuple[str, str]] = BatchSender(self._deliver, "cluster-notifier")

    def send(self, channel: str, payload: str) -> None:
        if len(payload.encode()) > MAX_PAYLOAD:
            log.error("cluster notification on %s dropped: %d bytes is over PostgreSQL's limit", channel, len(payload))
            return
        self._sender.post((channel, payload))

    def _deliver(self, batch: list[tuple[str, str]]) -> bool:
        """Send a batch, reconnecting once; a batch that still fails is logged and dropped."""
        for attempt in (1, 2):
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = psycopg.connect(self._dsn, autocommit=True)
                self._connection.execute(_SEND, ([c for c, _ in batch], [p for _, p in batch]))
                return True
            except psycopg.Error as exc:
                self._connection = None
                if attempt == 2:
                    log.error("cluster notifications lost (%d): %s", len(batch), type(exc).__name__)
        return True

    def close(self) -> None:
        """Send what is queued, then close the connection."""
        self._sender.close()
        if self._connection is not None:
            self._connection.close()
