"""Alertmanager's webhook body (payload version 4), validated in one pass before anything is
stored: unknown fields, a missing tenant label or an oversized value are refused, and so is
any label value that is not valid for its role (a tenant that is not a tenant id, control
characters in what the engine shows, a NUL the database cannot hold). Errors carry the label
as `ctx["key"]`, so the API names it: `alerts[3].labels.tenant`."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from tenantwatch import conventions
from tenantwatch.spec.units import DNS_LABEL, MAX_LABEL_LENGTH

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_SERVICE_LENGTH = 64  # the store's column
SHOWN_LABELS = (conventions.SERVICE, conventions.SEVERITY, "alertname")  # in titles, headlines, filters


def refused(key: str, message: str) -> PydanticCustomError:
    """A refused label or annotation, with its key for the error's path (the value is not echoed)."""
    return PydanticCustomError("invalid_value", "{message}", {"key": key, "message": message})


def tenant_problem(value: str | None) -> str | None:
    """Why a tenant label cannot be stored: it goes into PromQL selectors, namespaces and URLs."""
    if not value:
        return f"label {conventions.TENANT!r} is required"
    if len(value) > MAX_LABEL_LENGTH or not DNS_LABEL.fullmatch(value):
        return (f"expected a tenant id: a DNS-1123 label (lowercase letters, digits and '-', starting and ending "
                f"with a letter or digit), at most {MAX_LABEL_LENGTH} characters")
    return None


def _shown_problem(key: str, value: str) -> str | None:
    if not value.isprintable():
        return "control characters (newlines, escapes) are not allowed in this label"
    if key == conventions.SERVICE and len(value) > MAX_SERVICE_LENGTH:
        return f"at most {MAX_SERVICE_LENGTH} characters"
    return None


def without_nul(values: dict[str, str]) -> dict[str, str]:
    """The mapping, if no key or value holds a NUL character (PostgreSQL text cannot)."""
    for key, value in values.items():
        if "\x00" in key or "\x00" in value:
            raise refused(key, "a NUL character cannot be stored")
    return values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=16384)


class AlertIn(_Strict):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: dt.datetime
    endsAt: dt.datetime | None = None
    generatorURL: str = ""
    fingerprint: str | None = Field(None, min_length=1, max_length=64)

    @field_validator("labels")
    @classmethod
    def _valid_for_their_role(cls, labels: dict[str, str]) -> dict[str, str]:
        if problem := tenant_problem(labels.get(conventions.TENANT)):
            raise refused(conventions.TENANT, problem)
        for key in SHOWN_LABELS:
            if key in labels and (problem := _shown_problem(key, labels[key])):
                raise refused(key, problem)
        return without_nul(labels)

    @field_validator("annotations")
    @classmethod
    def _storable(cls, annotations: dict[str, str]) -> dict[str, str]:
        return without_nul(annotations)

    @field_validator("startsAt", "endsAt")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        try:
            return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
        except OverflowError:
            raise ValueError("the time is out of range once converted to UTC") from None

    @property
    def identity_fingerprint(self) -> str:
        """Alertmanager's fingerprint, or a stable hash of the labels when it is absent."""
        if self.fingerprint:
            return self.fingerprint
        text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class WebhookIn(_Strict):
    """Alertmanager's webhook body; unknown fields are refused (a typo or another format)."""

    version: Literal["4"]
    groupKey: str = ""
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"] | None = None
    receiver: str = ""
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    alerts: list[AlertIn] = Field(max_length=100_000)

    @property
    def tenants(self) -> set[str]:
        return {a.labels[conventions.TENANT] for a in self.alerts}
