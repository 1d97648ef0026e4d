"""Alertmanager's webhook body (payload version 4), validated in one pass before anything is
stored: unknown fields, a missing tenant label or an oversized value are refused, and so is
any label value that is not valid for its role (a tenant that is not a tenant id, control
characters in what the engine shows, a NUL the database cannot hold). Errors carry the label
as `ctx["key"]`, so the API names it: `alerts[3].labels.tenant`."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from tenantwatch import conventions
from tenantwatch.spec.units import MAX_LABEL_LENGTH, label_problem

MAX_BODY_BYTES = 10 * 1024 * 1024
_UTC_OFFSET = dt.timedelta(0)
MAX_SERVICE_LENGTH = 64  # the store's column
SHOWN_LABELS = (conventions.SERVICE, conventions.SEVERITY, "alertname")  # in titles, headlines, filters


def refused(loc: tuple[str | int, ...], message: str) -> PydanticCustomError:
    """A refused label, annotation or time, with where it is for the error's path (the value is
    not echoed)."""
    return PydanticCustomError("invalid_value", "{message}", {"loc": loc, "message": message})


def tenant_problem(value: str | None) -> str | None:
    """Why a tenant label cannot be stored: it goes into PromQL selectors, namespaces and URLs."""
    if not value:
        return f"label {conventions.TENANT!r} is required"
    if label_problem(value) is not None:  # its message repeats the value: ours does not
        return (f"expected a tenant id: a DNS-1123 label (lowercase letters, digits and '-', starting and ending "
                f"with a letter or digit), at most {MAX_LABEL_LENGTH} characters")
    return None


def _shown_problem(key: str, value: str) -> str | None:
    if not value.isprintable():
        return "control characters (newlines, escapes) are not allowed in this label"
    if key == conventions.SERVICE and len(value) > MAX_SERVICE_LENGTH:
        return f"at most {MAX_SERVICE_LENGTH} characters"
    return None


def _check_no_nul(values: dict[str, str], where: tuple[str | int, ...]) -> None:
    """PostgreSQL text cannot hold a NUL character."""
    for key, value in values.items():
        if "\x00" in key or "\x00" in value:
            raise refused((*where, key), "a NUL character cannot be stored")


def _in_utc(value: dt.datetime, where: tuple[str | int, ...]) -> dt.datetime:
    try:
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise refused(where, "the time is out of range once converted to UTC") from None


def might_hold_nul(body: bytes) -> bool:
    """Whether a JSON body can contain a NUL character at all (JSON must escape it)."""
    return b"\\u0000" in body


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

    def check(self, index: int, tenants_seen: set[str], nul_possible: bool) -> None:
        """Every label valid for its role, times in UTC (see WebhookIn._check_alerts)."""
        where: tuple[str | int, ...] = ("alerts", index)
        labels = self.labels
        tenant = labels.get(conventions.TENANT)
        if tenant not in tenants_seen:
            if problem := tenant_problem(tenant):
                raise refused((*where, "labels", conventions.TENANT), problem)
            tenants_seen.add(tenant)  # type: ignore[arg-type]
        for key in SHOWN_LABELS:
            if key in labels and (problem := _shown_problem(key, labels[key])):
                raise refused((*where, "labels", key), problem)
        if nul_possible:
            _check_no_nul(labels, (*where, "labels"))
            _check_no_nul(self.annotations, (*where, "annotations"))
        if self.startsAt.utcoffset() != _UTC_OFFSET:  # Alertmanager sends UTC: then nothing to do
            self.startsAt = _in_utc(self.startsAt, (*where, "startsAt"))  # type: ignore[assignment]
        if self.endsAt is not None and self.endsAt.utcoffset() != _UTC_OFFSET:
            self.endsAt = _in_utc(self.endsAt, (*where, "endsAt"))

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

    @model_validator(mode="after")
    def _check_alerts(self, info: ValidationInfo) -> WebhookIn:
        """One pass over the alerts in plain Python after the Rust parse: a validator per field
        cost 25-30 us an alert (3 ms for a batch of 100, more than the rest of the intake).
        Pass `context={"nul_possible": might_hold_nul(body)}` to skip the NUL scan when the
        body cannot hold one."""
        nul_possible = (info.context or {}).get("nul_possible", True)
        tenants_seen: set[str] = set()
        for index, alert in enumerate(self.alerts):
            alert.check(index, tenants_seen, nul_possible)
        return self

    @property
    def tenants(self) -> set[str]:
        return {a.labels[conventions.TENANT] for a in self.alerts}
