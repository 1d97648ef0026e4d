"""The outbox: one row per (incident, channel, event, level) to deliver, queued in the
transaction that decides it. Events are `trigger` (per level), `acknowledge` and `resolve`
(once per channel told), and `rise:<severity>` (once per channel told and severity reached, so
a warning that turns critical is said at once, not at the next level). The row is unique, so
queueing twice sends once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Incident, OutboxMessage
from tenantwatch.engine.vocabulary import OutboxEvent, OutboxState, rise_event
from tenantwatch.spec.models import EscalationLevel, Spec

FOLLOW_UP_LEVEL = ""  # acknowledge/resolve/rise go once per channel, whatever level notified it


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
    _queue(session, incident.id, queued, OutboxEvent.TRIGGER, level.level, now)
    return queued, skipped


def _queue(session: Session, incident_id: int, channels: list[str], event: str, level: str, now: dt.datetime) -> None:
    insert_rows(session, OutboxMessage, [
        {"incident_id": incident_id, "channel": name, "event": event, "level": level, "state": OutboxState.PENDING,
         "attempts": 0, "queued_at": now, "next_attempt_at": now} for name in channels], conflict=("incident_id", "channel", "event", "level"))


def _told(session: Session, incident_id: int) -> list[str]:
    """The channels a trigger of the incident was delivered to."""
    return sorted(session.scalars(select(OutboxMessage.channel).where(
        OutboxMessage.incident_id == incident_id, OutboxMessage.event == OutboxEvent.TRIGGER, OutboxMessage.state == OutboxState.SENT).distinct()))


def follow_up(session: Session, incident_id: int, event: OutboxEvent, now: dt.datetime) -> None:
    """Tell the channels that were told of the incident that it was acknowledged or resolved;
    triggers not yet delivered are dropped (no page for something already handled)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.incident_id == incident_id, OutboxMessage.event == OutboxEvent.TRIGGER,
                                                OutboxMessage.state == OutboxState.PENDING).values(state=OutboxState.CANCELLED))
    _queue(session, incident_id, _told(session, incident_id), event, FOLLOW_UP_LEVEL, now)


def tell_rise(session: Session, incident: Incident, now: dt.datetime) -> list[str]:
    """Tell the channels already told of the incident, at once, that its severity rose (to
    `incident.severity`); returns them. Triggers still pending carry the new severity anyway."""
    told = _told(session, incident.id)
    _queue(session, incident.id, told, rise_event(incident.severity), FOLLOW_UP_LEVEL, now)
    return told


def cancel_pages(session: Session, spec: Spec, incident_id: int) -> None:
    """Drop the incident's undelivered triggers to paging channels."""
    session.execute(update(OutboxMessage).where(
        OutboxMessage.incident_id == incident_id, OutboxMessage.event == OutboxEvent.TRIGGER, OutboxMessage.state == OutboxState.PENDING,
        OutboxMessage.channel.in_(paging_channels(spec))).values(state=OutboxState.CANCELLED))
