"""The engine's words for states and events, as str enums.

Each value is the exact string the store keeps and the HTTP API and live events show (both
are contracts), so a member compares equal to, and serialises as, its plain string: rows read
back as `str` still compare with these members.
"""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # still open, escalation stopped
    RESOLVED = "resolved"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class EscalationState(StrEnum):
    PENDING = "pending"  # waits for its due time
    FIRED = "fired"
    CANCELLED = "cancelled"  # acknowledged or resolved before it was due


class OutboxState(StrEnum):
    PENDING = "pending"  # to send at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt
    CANCELLED = "cancelled"  # a trigger dropped: the incident was handled, or its platform incident pages


class OutboxEvent(StrEnum):
    """What a message says; a severity rise is `rise:<severity>` (see `rise_event`)."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


RISE_PREFIX = "rise:"


def rise_event(severity: str) -> str:
    """The outbox event of "the severity rose to `severity`": one message per channel and severity."""
    return RISE_PREFIX + severity


class TimelineKind(StrEnum):
    OPENED = "opened"
    ALERT_FIRED = "alert.fired"
    ALERT_RESOLVED = "alert.resolved"
    SEVERITY = "severity"  # it rose, and which channels were told
    ESCALATED = "escalated"
    HELD = "held"  # by a maintenance window
    NOTIFIED = "notified"
    NOTIFY_FAILED = "notify.failed"
    REMEDIATION = "remediation"
    LINKED = "linked"  # to or from a platform incident
    CAUSE_RESOLVED = "cause.resolved"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
