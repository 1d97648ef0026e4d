"""Deliver one notification through one channel, retrying transient failures with backoff.

A retry happens only when the service did not take the message (network error, 5xx, 429),
so a recovered channel receives it exactly once. Results and log lines carry the channel
type, attempt and status, never the URL, routing key or password.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Mapping

from tenantwatch.channels.base import SENDERS, Notification, SendResult
from tenantwatch.secrets import SecretError, error_origin

log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0


def backoff_delays(attempts: int, backoff: float) -> list[float]:
    """Waits between attempts: backoff, 2*backoff, 4*backoff, ... capped at a minute."""
    return [min(backoff * 2**i, MAX_BACKOFF_SECONDS) for i in range(max(attempts - 1, 0))]


def _send_once(config: object, notification: Notification, environ: Mapping[str, str]) -> SendResult:
    channel_type = getattr(config, "type", None)
    sender = SENDERS.get(channel_type)  # type: ignore[arg-type]
    if sender is None:
        return SendResult(ok=False, detail=f"no sender for channel type {channel_type!r}", retryable=False)
    try:
        return sender(config, notification, environ)
    except SecretError as exc:
        return SendResult(ok=False, detail=str(exc), retryable=False)
    except Exception as exc:  # a sender bug must not leak a secret-bearing message or kill the engine
        log.error("channel %s: sender raised %s", channel_type, error_origin(exc))
        return SendResult(ok=False, detail=f"sender error: {type(exc).__name__}", retryable=True)


def deliver(
    config: object,
    notification: Notification,
    environ: Mapping[str, str],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: float = DEFAULT_BACKOFF_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send through `config` (a spec channel model) with up to `attempts` tries.

    Returns the last result; its detail says how many attempts were made.
    """
    channel_type = getattr(config, "type", "?")
    delays = backoff_delays(attempts, backoff)
    result = SendResult(ok=False, detail="not attempted", retryable=False)
    for attempt in range(1, max(attempts, 1) + 1):
        result = _send_once(config, notification, environ)
        if result.ok or not result.retryable or attempt > len(delays):
            break
        wait = min(max(delays[attempt - 1], result.retry_after or 0.0), MAX_BACKOFF_SECONDS)
        log.warning("channel %s: incident %s %s attempt %d failed (%s); retrying in %.1fs",
                    channel_type, notification.incident_id, notification.event, attempt, result.detail, wait)
        sleep(wait)
    outcome = "sent" if result.ok else "failed"
    if not result.ok:
        log.warning("channel %s: incident %s %s failed after %d attempt(s): %s",
                    channel_type, notification.incident_id, notification.event, attempt, result.detail)
    return SendResult(ok=result.ok, detail=f"{outcome} after {attempt} attempt(s): {result.detail}",
                      retryable=result.retryable, retry_after=result.retry_after)
