"""The engine side of notifications: an outbox row per (incident, channel, event, level),
delivered by the scheduler through the channel senders, retried with backoff until sent.
Events are `trigger` (per level), `acknowledge` and `resolve` (once per channel told), and
`rise:<severity>` (once per channel told and severity reached, so a warning that turns
critical is said at once, not at the next level).

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

from tenantwatch import conventions
from tenantwatch.channels import Notification, SendResult, deliver
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Incident, OutboxMessage, TimelineEvent
from tenantwatch.spec.models import EscalationLevel, Spec

if TYPE_CHECKING:
    from tenantwatch.engine.config import EngineConfig
    from tenantwatch.engine.metrics import EngineMetrics
    from tenantwatch.engine.store import Store

FOLLOW_UP_LEVEL = ""  # acknowledge/resolve/rise go once per channel, whatever level notified it
RISE = "rise:"  # event of "the severity rose to <severity>": one message per channel and severity


def is_paging(spec: Spec, name: str) -> bool:
    """Whether a channel of the spec pages someone (PagerDuty)."""
    channel = spec.channels.get(name)
    return channel is not None and channel.type == "pagerduty"


def paging_channels(spec: Spec) -> list[str]:
    return [name for name in spec.channels if is_paging(spec, name)]


def enqueue_trigger(session: Session, spec: Spec, incident: Incident, level: EscalationLevel, now: dt.datetime, *,
                    cause: int | None = None) -> tuple[list[str], dict[str, str]]:
    """Queue the level's channels; returns (queued, {skipped channel: why}). A tenant that may
    not page never reaches a pagerduty channel, nor does an incident whose platform incident
    (`cause`, unresolved) pages for it."""
    queued, skipped = [], {}
    for name in level.notify:
        if name not in spec.channels:
            skipped[name] = "unknown channel"
        elif is_paging(spec, name) and not spec.pages(incident.tenant):
            skipped[name] = "tenant does not page"
        elif is_paging(spec, name) and cause is not None:
            skipped[name] = f"not paged because of platform incident #{cause}, which pages"
        else:
            queued.append(name)
    _queue(session, incident.id, queued, "trigger", level.level, now)
    return queued, skipped


def _queue(session: Session, incident_id: int, channels: list[str], event: str, level: str, now: dt.datetime) -> None:
    insert_rows(session, OutboxMessage, [
        {"incident_id": incident_id, "channel": name, "event": event, "level": level, "state": "pending",
         "attempts": 0, "next_attempt_at": now} for name in channels], conflict=("incident_id", "channel", "event", "level"))


def _told(session: Session, incident_id: int) -> list[str]:
    """The channels a trigger of the incident was delivered to."""
    return sorted(session.scalars(select(OutboxMessage.channel).where(
        OutboxMessage.incident_id == incident_id, OutboxMessage.event == "trigger", OutboxMessage.state == "sent").distinct()))


def follow_up(session: Session, incident_id: int, event: str, now: dt.datetime) -> None:
    """Tell the channels that were told of the incident that it was acknowledged or resolved;
    triggers not yet delivered are dropped (no page for something already handled)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.incident_id == incident_id, OutboxMessage.event == "trigger",
                                                OutboxMessage.state == "pending").values(state="cancelled"))
    _queue(session, incident_id, _told(session, incident_id), event, FOLLOW_UP_LEVEL, now)


def tell_rise(session: Session, incident: Incident, now: dt.datetime) -> list[str]:
    """Tell the channels already told of the incident, at once, that its severity rose (to
    `incident.severity`); returns them. Triggers still pending carry the new severity anyway."""
    told = _told(session, incident.id)
    _queue(session, incident.id, told, RISE + incident.severity, FOLLOW_UP_LEVEL, now)
    return told


def cancel_pages(session: Session, spec: Spec, incident_id: int) -> None:
    """Drop the incident's undelivered triggers to paging channels."""
    session.execute(update(OutboxMessage).where(
        OutboxMessage.incident_id == incident_id, OutboxMessage.event == "trigger", OutboxMessage.state == "pending",
        OutboxMessage.channel.in_(paging_channels(spec))).values(state="cancelled"))


def notification_of(spec: Spec, incident: Incident, message: OutboxMessage) -> Notification:
    first = incident.alerts[0] if incident.alerts else None
    annotations = first.annotations if first else {}
    raised = message.event.startswith(RISE)
    return Notification(
        incident_id=incident.id, tenant=incident.tenant, title=incident.title,
        severity=message.event.removeprefix(RISE) if raised else incident.severity,
        event="trigger" if raised else message.event,  # type: ignore[arg-type]
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


def _what(item: Delivery) -> str:
    """How the timeline names a message: `slack-alerts (trigger, L1)`."""
    n = item.notification
    if n.severity_raised:
        return f"{item.channel} (severity raised to {n.severity})"
    return f"{item.channel} ({n.event}, {n.level})"


def _record(store: Store, config: EngineConfig, item: Delivery, result: SendResult, now: dt.datetime) -> int:
    with store.write() as session:
        message = session.get(OutboxMessage, item.message_id)
        if message is None or message.state != "pending":
            return 0
        message.attempts += 1
        what = _what(item)
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
