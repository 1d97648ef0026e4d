"""The one interface every notification channel implements, and the registry of senders.

The engine builds a Notification from an incident and hands it to the sender registered
for the channel's `type`; senders never see the store, and never log a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Protocol

from tenantwatch.registry import registrar

NotificationEvent = Literal["trigger", "acknowledge", "resolve"]


@dataclass(frozen=True)
class Notification:
    """What a channel is told about an incident (one message per event and level)."""

    incident_id: int
    tenant: str
    title: str
    severity: str
    event: NotificationEvent
    level: str
    services: tuple[str, ...] = ()
    root_cause: str | None = None
    summary: str = ""
    url: str | None = None  # the incident's dashboard page
    labels: Mapping[str, str] = field(default_factory=dict)
    runbook_url: str | None = None  # the alert's runbook_url annotation
    dashboard_url: str | None = None  # the alert's dashboard_url annotation (Grafana)
    caused_by: int | None = None  # the platform incident this one follows from: not a separate outage
    affected_tenants: tuple[str, ...] = ()  # of a platform incident (a shared service's outage)
    severity_raised: bool = False  # a trigger saying the severity rose to `severity`

    @property
    def dedup_key(self) -> str:
        """Stable per incident: PagerDuty and retries use it so a recovery sends no duplicate."""
        return f"tenantwatch-{self.tenant}-{self.incident_id}"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    detail: str = ""
    retryable: bool = True
    retry_after: float | None = None  # seconds the service asked us to wait (HTTP Retry-After)


class Sender(Protocol):
    """Sends one Notification through one configured channel (a spec channel model)."""

    def __call__(self, config: object, notification: Notification, environ: Mapping[str, str]) -> SendResult: ...


SENDERS: dict[str, Sender] = {}


# @register("slack") registers the sender of a channel type.
register = registrar(SENDERS, "channel type")
