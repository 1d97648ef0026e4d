"""The outbox's backlog as metrics: messages not yet delivered, and the age of the oldest of
them, per channel.

Counted from the store at scrape time, so a backlog left by a channel outage shows after a
restart too, and drains to zero as the channel takes the messages once it is back. The age
keeps growing for as long as a channel is down, however the retries are spaced, so an alert
on it holds for the whole outage.
"""

from __future__ import annotations

from typing import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tenantwatch import conventions
from tenantwatch.engine.clock import Clock
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.models import OutboxMessage
from tenantwatch.engine.vocabulary import OutboxState


class OutboxBacklog(Collector):
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(conventions.ENGINE_NOTIFICATIONS_PENDING,
                                    "Notifications waiting in the outbox (not yet delivered, not given up), by channel",
                                    labels=["channel"])
        oldest = GaugeMetricFamily(conventions.ENGINE_NOTIFICATIONS_OLDEST_PENDING,
                                   "Seconds since the oldest notification waiting in the outbox was queued, by channel",
                                   labels=["channel"])
        with self.store.read() as session:
            rows = session.execute(select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.queued_at))
                                   .where(OutboxMessage.state == OutboxState.PENDING).group_by(OutboxMessage.channel)).all()
        now = self.clock.now()
        for channel, count, queued_at in rows:
            pending.add_metric([channel], count)
            oldest.add_metric([channel], max((now - queued_at).total_seconds(), 0.0))
        yield pending
        yield oldest
