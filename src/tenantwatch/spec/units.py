"""Parsing and formatting of the spec's scalar units: durations, ratios, time ranges, secrets, ids.

Kept apart from the models so renderers can format values the same way the spec parses them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
DNS_LABEL = re.compile(r"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")  # \Z: `$` would let a trailing newline through
MAX_ID_LENGTH = 56
MAX_LABEL_LENGTH = 63
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d"
_TIME_RANGE = re.compile(rf"{_CLOCK}-({_CLOCK}|24:00)")
RESERVED_IDS = frozenset({"platform"})


def parse_duration(value: object) -> float:
    """Seconds from a Prometheus-style duration ("200ms", "5m", "1h30m"); numbers are refused."""
    if isinstance(value, str):
        text = value.strip()
        if text and _DURATION_PART.sub("", text) == "":
            return sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    raise ValueError(f"expected a duration like 200ms, 5m or 1h, got {value!r}")


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration string for a number of seconds ("90s" -> "1m30s")."""
    millis = round(seconds * 1000)
    if millis <= 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        size = round(_UNIT_SECONDS[unit] * 1000)
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts)


def parse_ratio(value: object) -> float:
    """A ratio in [0, 1] from "99.9%" or a plain number such as 0.999."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            percent = float(value.strip()[:-1])
        except ValueError:
            percent = -1.0
        if 0 <= percent <= 100:
            return percent / 100
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    raise ValueError(f"expected a percentage between 0% and 100% like 99.9%, or a ratio between 0 and 1, got {value!r}")


def is_secret_reference(value: str) -> bool:
    """True when a secret is given as a reference (env:NAME or file:/path) rather than in clear."""
    return value.startswith("env:") or value.startswith("file:")


_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(\d{1,5})")  # a name, IPv4, or [IPv6]


def is_host_port(value: str) -> bool:
    """host:port with a name, an IPv4 or an [IPv6] address and a port in 1..65535."""
    found = _HOST_PORT.fullmatch(value)
    return bool(found) and 0 < int(found.group(2)) < 65536


def id_problem(value: object) -> str | None:
    """Why a tenant or service id is not usable (DNS-1123 label, <= 56 chars, not reserved)."""
    if isinstance(value, str) and value in RESERVED_IDS:
        return f"{value!r} is reserved for shared infrastructure"
    return label_problem(value, MAX_ID_LENGTH)


def label_problem(value: object, max_length: int = MAX_LABEL_LENGTH) -> str | None:
    """Why a name is not a DNS-1123 label (a Kubernetes namespace, an SLO name)."""
    if not isinstance(value, str):
        return None  # a key that is not text is already reported by the model
    if len(value) > max_length:
        return f"{value!r} is longer than {max_length} characters"
    if not DNS_LABEL.fullmatch(value):
        return f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-')"
    return None


def parse_time_range(value: object) -> str:
    """A daily window "HH:MM-HH:MM" (24-hour clock; the end may be 24:00), kept as written."""
    if isinstance(value, str) and _TIME_RANGE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"expected HH:MM-HH:MM in 24-hour time, like 02:00-03:30, got {value!r}")


Duration = Annotated[float, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]  # a window or objective of 0 means nothing
Ratio = Annotated[float, BeforeValidator(parse_ratio)]
TimeRange = Annotated[str, BeforeValidator(parse_time_range)]
SecretRef = Annotated[str, Field(json_schema_extra={"sensitive": True})]
