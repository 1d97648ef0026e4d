"""Alertmanager's webhook body (payload version 4), validated in one pass before anything is
stored: unknown fields, a missing tenant label or an oversized value are refused."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tenantwatch import conventions

MAX_BODY_BYTES = 10 * 1024 * 1024


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
    def _has_tenant(cls, labels: dict[str, str]) -> dict[str, str]:
        if not labels.get(conventions.TENANT):
            raise ValueError(f"label {conventions.TENANT!r} is required")
        if len(labels[conventions.TENANT]) > 64 or len(labels.get(conventions.SERVICE, "")) > 64:
            raise ValueError("tenant and service labels are at most 64 characters")
        return labels

    @field_validator("startsAt", "endsAt")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)

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
