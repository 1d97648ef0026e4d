"""Turn a target system's errors into a failed Outcome, so the runner can count and audit them.

Messages keep the error type and the first line of the library's text (which names hosts
and statuses, never credentials: DSN passwords and tokens are not part of these messages).
"""

from __future__ import annotations

from typing import Callable

from tenantwatch.remediation.base import Outcome
from tenantwatch.remediation.clients import ClientConfigError

MAX_DETAIL = 300


def describe(exc: BaseException) -> str:
    """`Type: first line of the message`, bounded in length; Kubernetes errors by status and reason."""
    status, reason = getattr(exc, "status", None), getattr(exc, "reason", None)
    if isinstance(status, int) and reason is not None:
        return f"API answered {status} {reason}"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    text = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
    return text[:MAX_DETAIL]


def guarded(what: str, act: Callable[[], Outcome], errors: tuple[type[BaseException], ...]) -> Outcome:
    """Run `act`; a missing client or one of `errors` becomes a failed Outcome naming `what`."""
    try:
        return act()
    except ClientConfigError as exc:
        return Outcome(ok=False, detail=f"{what}: {exc}")
    except errors as exc:
        return Outcome(ok=False, detail=f"{what}: {describe(exc)}")
