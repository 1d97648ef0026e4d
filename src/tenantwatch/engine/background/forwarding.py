"""What the worker tells the answering process, batched over one pipe: incident events for the
live views, metric updates for /metrics (the counters live in the answering process's
registry, so a scrape sees one engine), the processor's cursor and the results somebody waits
for. Messages posted while a batch is being sent go in the next one, so a burst of thousands
of lag observations is a few pipe writes."""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any

from tenantwatch.engine.batches import BatchSender

Message = tuple[Any, ...]


class Messenger:
    """Thread-safe, batched `post(message)` from the worker to the answering process."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._sender: BatchSender[Message] = BatchSender(self._send, "worker-messenger")
        self.post = self._sender.post
        self.close = self._sender.close

    def _send(self, batch: list[Message]) -> bool:
        try:
            self._connection.send(batch)
            return True
        except OSError:  # the answering process is gone: so is our purpose
            return False


class ForwardedEvents:
    """The Broadcaster's `publish`, in the worker."""

    def __init__(self, messenger: Messenger) -> None:
        self._messenger = messenger

    def publish(self, event: dict[str, Any]) -> None:
        self._messenger.post(("event", event))


class ForwardedMetrics:
    """EngineMetrics as the worker uses it (`metrics.notifications.labels(...).inc()`,
    `metrics.heartbeat.set(t)`, `metrics.intake_lag.observe(s)`): each call is forwarded."""

    def __init__(self, messenger: Messenger) -> None:
        self._messenger = messenger

    def __getattr__(self, name: str) -> ForwardedMetric:
        return ForwardedMetric(self._messenger, name, {})


class ForwardedMetric:
    def __init__(self, messenger: Messenger, name: str, labels: dict[str, str]) -> None:
        self._messenger, self._name, self._labels = messenger, name, labels

    def labels(self, **labels: str) -> ForwardedMetric:
        return ForwardedMetric(self._messenger, self._name, labels)

    def inc(self, amount: float = 1.0) -> None:
        self._messenger.post(("metric", self._name, self._labels, "inc", amount))

    def set(self, value: float) -> None:
        self._messenger.post(("metric", self._name, self._labels, "set", value))

    def observe(self, value: float) -> None:
        self._messenger.post(("metric", self._name, self._labels, "observe", value))


def apply_metric(metrics: Any, name: str, labels: dict[str, str], method: str, value: float) -> None:
    """A forwarded update on the answering process's EngineMetrics."""
    if method not in ("inc", "set", "observe"):
        raise ValueError(f"not a metric update: {method!r}")
    metric = getattr(metrics, name)
    getattr(metric.labels(**labels) if labels else metric, method)(value)
