"""What the JSON routes answer, as pydantic models: the OpenAPI document describes every
answer (errors included), and a route cannot return a field its model does not name.

The shapes are the API's public contract (docs/engine.md): times are the store's ISO 8601
strings as written, ids are integers, a missing value is null.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Timestamp = str  # ISO 8601, e.g. 2026-01-05T12:00:00+00:00


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, machine-readable: not_found, invalid_request, still_firing, ...")
    message: str = Field(description="What was wrong, naming the parameter or the body's path (alerts[3].labels.tenant).")


class ErrorOut(BaseModel):
    """Every 4xx and 5xx: `{"error": {"code", "message"}}`, never a stack trace."""

    error: ErrorBody


_ERROR_STATUSES = {400: "A cursor that is not a previous page's next_cursor, or a body that is not JSON",
                   401: "No valid API key",
                   403: "The key may not do this, or names another tenant",
                   404: "Not found (another tenant's incident is not found either)",
                   409: "The incident's state does not allow it (`still_firing`: an alert still fires)",
                   413: "The body is too large",
                   422: "A parameter or the body is invalid; the message names it",
                   429: "Too many failed authentications; retry after Retry-After seconds"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of these error statuses, each with the error shape."""
    return {status: {"model": ErrorOut, "description": _ERROR_STATUSES[status]} for status in statuses}


AUTHENTICATED = errors(401, 403, 422, 429)  # every route that takes a key


class IntakeOut(BaseModel):
    """The webhook's answer; `new`, `resolved` and `incidents` only when it waited for the
    processing (`?wait=true`)."""

    received: int = Field(description="alerts in the body, all on disk")
    processed: bool = Field(description="whether the alerts were also turned into incidents before the answer")
    new: int | None = Field(None, description="alerts not seen before (with wait=true)")
    resolved: int | None = Field(None, description="stored alerts this body resolved (with wait=true)")
    incidents: list[int] | None = Field(None, description="ids of the incidents these alerts touched (with wait=true)")


class StatusOut(BaseModel):
    status: str = Field(description="ok (healthz) or ready (readyz)")


class AlertOut(BaseModel):
    fingerprint: str
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: Timestamp | None
    ends_at: Timestamp | None


class TimelineEntryOut(BaseModel):
    at: Timestamp | None
    kind: str = Field(description="opened, alert.fired, escalated, notified, acknowledged, resolved, ...")
    who: str
    detail: str


class IncidentOut(BaseModel):
    id: int
    tenant: str
    status: Literal["open", "acknowledged", "resolved"]
    severity: str
    title: str
    services: list[str]
    root_cause: str | None
    escalation_level: str | None
    acknowledged_by: str | None
    created_at: Timestamp | None
    updated_at: Timestamp | None
    resolved_at: Timestamp | None
    alerts: list[AlertOut]
    affected_tenants: list[str] = Field(description="A platform incident's tenants (a tenant key sees only its own)")
    caused_by: int | None = Field(description="The open platform incident that caused this one, else null")
    timeline: list[TimelineEntryOut]


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page")


class AuditEntryOut(BaseModel):
    id: int
    at: Timestamp
    who: str
    tenant: str | None
    action: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null on the last page")


class KeyOut(BaseModel):
    """An API key as it may be shown: never its secret or hash."""

    id: int
    name: str
    scope: Literal["tenant", "admin", "intake"]
    tenant: str | None
    created_at: Timestamp
    revoked_at: Timestamp | None
    revoked: bool


class KeyList(BaseModel):
    items: list[KeyOut]
