"""The outbox's backlog as a metric: messages not yet delivered, per channel.

Counted from the store at scrape time, so a backlog left by a channel outage shows after a
restart too, and drains to zero as the channel takes the messages once it is back.
"""

from __future__ import annotations

from typing import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from tenantwatch import conventions
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.models import OutboxMessage
from tenantwatch.engine.vocabulary import OutboxState


class OutboxBacklog(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(conventions.ENGINE_NOTIFICATIONS_PENDING,
                                   "Notifications waiting in the outbox (not yet delivered, not given up), by channel",
                                   labels=["channel"])
        with self.store.read() as session:
            rows = session.execute(select(OutboxMessage.channel, func.count()).where(OutboxMessage.state == OutboxState.PENDING)
                                   .group_by(OutboxMessage.channel)).all()
        for channel, count in rows:
            family.add_metric([channel], count)
        yield family
