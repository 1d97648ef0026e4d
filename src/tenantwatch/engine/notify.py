"""The engine side of notifications: an outbox row per (incident, channel, event, level),
delivered by the scheduler through the channel senders, retried with backoff until sent.

Because the row is unique and marked `sent` in the same step that records the outcome, a
channel that recovers gets each message exactly once, and a restart resends only what is
still pending. Errors are stored as the sender's own detail or an exception's type, never its
text (an HTTP error can contain a webhook URL, which is a secret).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantwatch.channels import Notification, SendResult, deliver
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Incident, OutboxMessage, TimelineEvent
from tenantwatch.spec.models import EscalationLevel, Spec

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig
    from tenantwatch.engine.metrics import EngineMetrics
    from tenantwatch.engine.store import Store

FOLLOW_UP_LEVEL = ""  # acknowledge/resolve go once per channel, whatever level notified it


def enqueue_trigger(session: Session, spec: Spec, incident: Incident, level: EscalationLevel, now: dt.datetime) -> tuple[list[str], list[str]]:
    """Queue the level's channels; returns (queued, skipped). A tenant that may not page never
    reaches a pagerduty channel."""
    queued, skipped = [], []
    for name in level.notify:
        channel = spec.channels.get(name)
        if channel is None or (channel.type == "pagerduty" and not spec.pages(incident.tenant)):
            skipped.append(name)
            continue
        queued.append(name)
    insert_rows(session, OutboxMessage, [
        {"incident_id": incident.id, "channel": name, "event": "trigger", "level": level.level, "state": "pending",
         "attempts": 0, "next_attempt_at": now} for name in queued], conflict=("incident_id", "channel", "event", "level"))
    return queued, skipped


def follow_up(session: Session, incident_id: int, event: str, now: dt.datetime) -> None:
    """Tell the channels that were told of the incident that it was acknowledged or resolved;
    triggers not yet delivered are dropped (no page for something already handled)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.incident_id == incident_id, OutboxMessage.event == "trigger",
                                                OutboxMessage.state == "pending").values(state="cancelled"))
    told = session.scalars(select(OutboxMessage.channel).where(
        OutboxMessage.incident_id == incident_id, OutboxMessage.event == "trigger", OutboxMessage.state == "sent").distinct()).all()
    insert_rows(session, OutboxMessage, [
        {"incident_id": incident_id, "channel": name, "event": event, "level": FOLLOW_UP_LEVEL, "state": "pending",
         "attempts": 0, "next_attempt_at": now} for name in sorted(told)], conflict=("incident_id", "channel", "event", "level"))


def notification_of(spec: Spec, incident: Incident, message: OutboxMessage) -> Notification:
    first = incident.alerts[0] if incident.alerts else None
    annotations = first.annotations if first else {}
    return Notification(
        incident_id=incident.id, tenant=incident.tenant, title=incident.title, severity=incident.severity,
        event=message.event,  # type: ignore[arg-type]
        level=message.level or incident.escalation_level or "L1", services=tuple(incident.services),
        root_cause=incident.root_cause, summary=str(annotations.get("description") or annotations.get("summary") or ""),
        url=f"{spec.engine.url.rstrip('/')}/incidents/{incident.id}", labels=dict(first.labels) if first else {},
    )


@dataclass
class Delivery:
    message_id: int
    incident_id: int
    channel: str
    channel_type: str
    notification: Notification
    config: object


def deliver_due(store: Store, config: EngineConfig, now: dt.datetime,
                metrics: EngineMetrics | None = None, limit: int = 200) -> int:
    """Send every pending message that is due; returns how many were sent. Sending happens
    outside any transaction so a slow channel never blocks intake; one attempt per message
    per call, the backoff between attempts is persisted in the row."""
    work: list[Delivery] = []
    with store.read() as session:
        rows = session.execute(select(OutboxMessage, Incident).join(Incident, OutboxMessage.incident_id == Incident.id)
                               .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
                               .order_by(OutboxMessage.id).limit(limit)).all()
        for message, incident in rows:
            channel = config.spec.channels.get(message.channel)
            work.append(Delivery(message.id, incident.id, message.channel, channel.type if channel else "?",
                                 notification_of(config.spec, incident, message), channel))
    sent = 0
    for item in work:
        result = _send(item, config.environ)
        sent += _record(store, config, item, result, now)
        if metrics is not None:
            metrics.notifications.labels(channel=item.channel, outcome="sent" if result.ok else "failed").inc()
    return sent


def _send(item: Delivery, environ: dict[str, str]) -> SendResult:
    if item.config is None:
        return SendResult(ok=False, detail=f"channel {item.channel!r} is not in the spec", retryable=False)
    return deliver(item.config, item.notification, environ, attempts=1)


def _record(store: Store, config: EngineConfig, item: Delivery, result: SendResult, now: dt.datetime) -> int:
    with store.write() as session:
        message = session.get(OutboxMessage, item.message_id)
        if message is None or message.state != "pending":
            return 0
        message.attempts += 1
        what = f"{item.channel} ({item.notification.event}, {item.notification.level})"
        if result.ok:
            message.state, message.sent_at, message.last_error = "sent", now, None
            session.add(TimelineEvent(incident_id=item.incident_id, at=now, kind="notified", who="engine", detail=what))
            return 1
        message.last_error = result.detail[:500]
        if result.retryable and message.attempts < config.max_attempts:
            message.next_attempt_at = now + dt.timedelta(seconds=config.backoff(message.attempts))
        else:
            message.state = "failed"
            session.add(TimelineEvent(incident_id=item.incident_id, at=now, kind="notify.failed", who="engine",
                                      detail=f"{what}: gave up after {message.attempts} attempt(s): {message.last_error}"))
        return 0
