"""Where the runner remembers past attempts, for its rate limit and circuit breaker.

The engine implements `History` over its store (so limits survive restarts and are shared by
workers); `InMemoryHistory` serves tests and one-shot CLI runs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from typing import Protocol


class History(Protocol):
    def attempts(self, tenant: str, rule_index: int, since: dt.datetime) -> list[tuple[dt.datetime, bool]]:
        """(time, ok) of the real (non-dry-run) attempts of a rule for a tenant at or after `since`."""
        ...

    def record(self, tenant: str, rule_index: int, at: dt.datetime, ok: bool) -> None:
        """Remember one real attempt and whether it succeeded."""
        ...


class InMemoryHistory:
    """History in a dict; thread-safe, forgotten when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: dict[tuple[str, int], list[tuple[dt.datetime, bool]]] = defaultdict(list)

    def attempts(self, tenant: str, rule_index: int, since: dt.datetime) -> list[tuple[dt.datetime, bool]]:
        with self._lock:
            return [(at, ok) for at, ok in self._attempts[(tenant, rule_index)] if at >= since]

    def record(self, tenant: str, rule_index: int, at: dt.datetime, ok: bool) -> None:
        with self._lock:
            self._attempts[(tenant, rule_index)].append((at, ok))
