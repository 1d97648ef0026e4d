"""Failed authentications, limited per client and overall (the API's keys and the dashboard's
login form share one limiter).

Only failures reach it: a request with a valid key never touches the limiter, so a working
Alertmanager or user is never slowed down or locked out, whatever an attacker on the same
address does. A client that failed `per_client` times within `window` seconds (or any client
once `overall` failures happened within it) gets 429 and `Retry-After` for its next wrong key
instead of a 401, and those refusals are not counted: the block ends one window after the
failures that caused it. Memory stays bounded: failures are only recorded under the overall
cap, so at most `overall` timestamps are ever kept.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

DEFAULT_PER_CLIENT = 10
DEFAULT_OVERALL = 100
DEFAULT_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class AuthLimits:
    """How many failed authentications are answered 401 before 429: per client and overall,
    within a sliding window of `window` seconds."""

    per_client: int = DEFAULT_PER_CLIENT
    overall: int = DEFAULT_OVERALL
    window: float = DEFAULT_WINDOW_SECONDS


class FailedAuthLimiter:
    """`retry_after = limiter.failed(client)` after a key was refused: None to answer 401
    (the failure is counted), else the seconds to put in Retry-After with a 429."""

    def __init__(self, limits: AuthLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self._clock = limits, clock
        self._by_client: dict[str, deque[float]] = {}
        self._all: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def failed(self, client: str) -> int | None:
        now = self._clock()
        with self._lock:
            self._forget_before(now - self.limits.window)
            mine = self._by_client.get(client, ())
            if len(mine) >= self.limits.per_client:
                return self._seconds_until(mine[0] + self.limits.window, now)
            if len(self._all) >= self.limits.overall:
                return self._seconds_until(self._all[0][0] + self.limits.window, now)
            self._by_client.setdefault(client, deque()).append(now)
            self._all.append((now, client))
        return None

    def _forget_before(self, horizon: float) -> None:
        while self._all and self._all[0][0] <= horizon:
            _, client = self._all.popleft()
            mine = self._by_client[client]
            mine.popleft()
            if not mine:
                del self._by_client[client]

    @staticmethod
    def _seconds_until(moment: float, now: float) -> int:
        return max(1, math.ceil(moment - now))
