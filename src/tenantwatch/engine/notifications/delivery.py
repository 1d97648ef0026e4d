"""Delivery of the outbox: each due message through its channel's sender, outside any
transaction (a slow channel never blocks intake), with the outcome recorded on the row.

Because the row is marked `sent` in the same step that records the outcome, a channel that
recovers gets each message exactly once, and a restart resends only what is still pending.
A failing message is retried (backoff capped at `backoff_max`, longer when the channel asks
with Retry-After, up to that cap) until it is older than
`notify_max_age`, so an outage of hours still ends in delivery; only then is it given up, on
the timeline as `notify.failed`. A permanent failure (4xx, unknown channel) is given up at once.
A channel that fails (5xx, timeout, network) is tried once per pass: its other due messages
wait for the failed one's next attempt without spending an attempt of their own, so a hung
endpoint costs one timeout per pass instead of one per message, and neither other channels
nor escalations wait behind it.
Errors are stored as the sender's own detail or an exception's type, never its text (an HTTP
error can contain a webhook URL, which is a secret).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from tenantwatch import conventions
from tenantwatch.channels import Notification, SendResult, deliver
from tenantwatch.engine.incidents.timeline import ENGINE, Publish, recording
from tenantwatch.engine.store.models import Incident, OutboxMessage
from tenantwatch.engine.vocabulary import RISE_PREFIX, OutboxEvent, OutboxState, TimelineKind
from tenantwatch.spec.models import Spec
from tenantwatch.spec.units import format_duration

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig
    from tenantwatch.engine.metrics import EngineMetrics
    from tenantwatch.engine.store import Store

log = logging.getLogger(__name__)


def notification_of(spec: Spec, incident: Incident, message: OutboxMessage) -> Notification:
    first = incident.alerts[0] if incident.alerts else None
    annotations = first.annotations if first else {}
    raised = message.event.startswith(RISE_PREFIX)
    return Notification(
        incident_id=incident.id, tenant=incident.tenant, title=incident.title,
        severity=message.event.removeprefix(RISE_PREFIX) if raised else incident.severity,
        event=OutboxEvent.TRIGGER if raised else message.event,  # type: ignore[arg-type]
        level=message.level or incident.escalation_level or "L1", services=tuple(incident.services),
        root_cause=incident.root_cause, summary=str(annotations.get("description") or annotations.get("summary") or ""),
        url=f"{spec.engine.link_base}/ui/incidents/{incident.id}", labels=dict(first.labels) if first else {},
        runbook_url=_text(annotations.get("runbook_url")), dashboard_url=_text(annotations.get(conventions.DASHBOARD_ANNOTATION)),
        caused_by=incident.caused_by, affected_tenants=tuple(row.tenant for row in incident.affected),
        severity_raised=raised,
    )


def _text(value: object) -> str | None:
    return str(value) if value else None


@dataclass
class Delivery:
    message_id: int
    incident_id: int
    channel: str
    channel_type: str
    notification: Notification
    config: object


def deliver_due(store: Store, config: EngineConfig, now: dt.datetime, publish: Publish,
                metrics: EngineMetrics | None = None, limit: int = 200) -> int:
    """Send every pending message that is due; returns how many were sent. Sending happens
    outside any transaction so a slow channel never blocks intake; one attempt per message
    per call, the backoff between attempts is persisted in the row. Outcomes are published."""
    work: list[Delivery] = []
    with store.read() as session:
        rows = session.execute(select(OutboxMessage, Incident).join(Incident, OutboxMessage.incident_id == Incident.id)
                               .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now)
                               .order_by(OutboxMessage.id).limit(limit)).all()
        for message, incident in rows:
            channel = config.spec.channels.get(message.channel)
            work.append(Delivery(message.id, incident.id, message.channel, channel.type if channel else "?",
                                 notification_of(config.spec, incident, message), channel))
    sent = 0
    down: dict[str, dt.datetime] = {}  # channels that failed in this pass -> when to try them again
    waiting: dict[str, list[int]] = {}
    for item in work:
        if item.channel in down:
            waiting.setdefault(item.channel, []).append(item.message_id)
            continue
        result = _send(item, config.environ)
        delivered, retry_at = _record(store, config, item, result, now, publish)
        sent += delivered
        if not result.ok and result.retryable:
            down[item.channel] = retry_at or now + dt.timedelta(seconds=config.backoff(1))
        if metrics is not None:
            metrics.notifications.labels(channel=item.channel, outcome="sent" if result.ok else "failed").inc()
    for channel, ids in waiting.items():
        _postpone(store, ids, down[channel])
        log.warning("channel %s is failing: %d more message(s) wait for its next attempt at %s",
                    channel, len(ids), down[channel].isoformat())
    return sent


def _postpone(store: Store, message_ids: list[int], until: dt.datetime) -> None:
    """Move still-pending messages to `until`, spending none of their attempts."""
    with store.write() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(message_ids), OutboxMessage.state == OutboxState.PENDING)
                        .values(next_attempt_at=until))


def _send(item: Delivery, environ: dict[str, str]) -> SendResult:
    if item.config is None:
        return SendResult(ok=False, detail=f"channel {item.channel!r} is not in the spec", retryable=False)
    return deliver(item.config, item.notification, environ, attempts=1)


def _what(item: Delivery) -> str:
    """How the timeline names a message: `slack-alerts (trigger, L1)`."""
    n = item.notification
    if n.severity_raised:
        return f"{item.channel} (severity raised to {n.severity})"
    return f"{item.channel} ({n.event}, {n.level})"


def _retry_delay(config: EngineConfig, attempts: int, result: SendResult) -> float:
    """Our backoff, or longer when the channel asked for it (HTTP Retry-After on a 429 or 503):
    trying sooner is refused again. What a channel asks is honoured up to `backoff_max`, so a
    page is never held back longer than our own backoff would hold it at worst."""
    return max(config.backoff(attempts), min(result.retry_after or 0.0, config.backoff_max))


def _record(store: Store, config: EngineConfig, item: Delivery, result: SendResult, now: dt.datetime,
            publish: Publish) -> tuple[int, dt.datetime | None]:
    """Write the attempt's outcome on the row: (1 if it is now sent else 0, when it is retried)."""
    with recording(store, publish) as (session, changes):
        message = session.get(OutboxMessage, item.message_id)
        if message is None or message.state != OutboxState.PENDING:
            return 0, None
        message.attempts += 1
        what = _what(item)
        if result.ok:
            message.state, message.sent_at, message.last_error = OutboxState.SENT, now, None
            changes.note(session.get_one(Incident, item.incident_id), TimelineKind.NOTIFIED, ENGINE, what, now)
            return 1, None
        message.last_error = result.detail[:500]
        age = now - message.queued_at
        if result.retryable and age < dt.timedelta(seconds=config.notify_max_age):
            message.next_attempt_at = now + dt.timedelta(seconds=_retry_delay(config, message.attempts, result))
            return 0, message.next_attempt_at
        message.state = OutboxState.FAILED
        tried = format_duration(round(age.total_seconds()))
        changes.note(session.get_one(Incident, item.incident_id), TimelineKind.NOTIFY_FAILED, ENGINE,
                     f"{what}: gave up after {message.attempts} attempt(s) in {tried}: {message.last_error}", now)
        return 0, None
