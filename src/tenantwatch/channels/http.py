"""POST a JSON payload to a channel's endpoint and classify the answer for retries.

The URL of a Slack or Discord webhook is itself the secret, and httpx logs every request
URL at INFO; those records are dropped while a channel request runs, and results and
errors mention only the status or the exception type, never the URL.
"""

from __future__ import annotations

import contextvars
import logging
import math
from functools import lru_cache
from typing import Any, Mapping

import httpx

from tenantwatch.channels.base import SendResult

TIMEOUT_SECONDS = 10.0
CHANNEL_TIMEOUT_VAR = "TENANTWATCH_CHANNEL_TIMEOUT"  # seconds a channel may take to answer
USER_AGENT = "tenantwatch"
_sending = contextvars.ContextVar("tenantwatch_channel_request", default=False)


class _DropWhileSending(logging.Filter):
    """Drops httpx's request log lines (they carry the secret URL) during channel requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _sending.get()


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_DropWhileSending())


@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    """One pooled client for every channel: TLS setup and connections are reused across sends."""
    return httpx.Client(timeout=TIMEOUT_SECONDS, headers={"User-Agent": USER_AGENT})


def request_timeout(environ: Mapping[str, str], default: float = TIMEOUT_SECONDS) -> float:
    """Seconds a channel may take to answer: TENANTWATCH_CHANNEL_TIMEOUT, else `default`. A
    hung endpoint costs this much per attempt, so operators (and tests) may shorten it; a value
    that is not a positive number is ignored with a warning rather than disabling the timeout."""
    raw = environ.get(CHANNEL_TIMEOUT_VAR)
    if raw is None:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        logging.getLogger(__name__).warning("%s=%r is not a positive number of seconds; using %gs",
                                            CHANNEL_TIMEOUT_VAR, raw[:20], default)
        return default
    return seconds


def classify(status: int, retry_after: str | None = None) -> SendResult:
    """2xx sent; 429 and 5xx retryable (honouring Retry-After seconds); any other 4xx is our
    fault and not retried."""
    if 200 <= status < 300:
        return SendResult(ok=True, detail=f"HTTP {status}")
    retryable = status == 429 or status >= 500
    return SendResult(ok=False, detail=f"HTTP {status}", retryable=retryable, retry_after=_seconds(retry_after))


def _seconds(value: str | None) -> float | None:
    """Retry-After as delta-seconds; the HTTP-date form and garbage are ignored (backoff applies)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None


def post_json(url: str, payload: Mapping[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> SendResult:
    """POST payload as JSON; a network error is retryable, and its detail is the error type only."""
    token = _sending.set(True)
    try:
        response = _client().post(url, json=payload, timeout=timeout)
    except httpx.InvalidURL:
        return SendResult(ok=False, detail="invalid endpoint URL", retryable=False)
    except httpx.UnsupportedProtocol:
        return SendResult(ok=False, detail="endpoint URL has no http(s) scheme", retryable=False)
    except httpx.HTTPError as exc:
        return SendResult(ok=False, detail=f"network error: {type(exc).__name__}", retryable=True)
    finally:
        _sending.reset(token)
    return classify(response.status_code, response.headers.get("Retry-After"))
