"""The engine's settings: the spec plus the knobs that are not in it (windows, intervals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from tenantwatch.engine.api.proxies import DEFAULT_TRUSTED_PROXIES
from tenantwatch.engine.api.ratelimit import AuthLimits
from tenantwatch.spec.models import Spec
from tenantwatch.topology import Topology

DEFAULT_CORRELATION_WINDOW = 300.0
DEFAULT_NOTIFY_MAX_AGE = 6 * 3600.0  # outlives any realistic Slack/PagerDuty outage


@dataclass(frozen=True)
class EngineConfig:
    """What the engine runs on; every time is in seconds."""

    spec: Spec
    correlation_window: float = DEFAULT_CORRELATION_WINDOW
    tick_interval: float = 1.0
    retention_days: float | None = None
    notify_max_age: float = DEFAULT_NOTIFY_MAX_AGE  # a message still failing this long after it was queued is given up
    backoff_base: float = 5.0
    backoff_max: float = 300.0
    environ: dict[str, str] = field(default_factory=dict, repr=False)  # where env: secrets resolve
    intake_tokens: tuple[str, ...] = field(default=(), repr=False)  # e.g. the spec's intake_key_file
    trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED_PROXIES  # whose X-Forwarded-For/-Proto count
    auth_limits: AuthLimits = AuthLimits()  # failed authentications before 429

    @cached_property
    def topology(self) -> Topology:
        return Topology(self.spec)

    @property
    def correlation(self) -> bool:
        return self.spec.intelligent_alerts.correlation

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt after `attempts` failures (exponential, capped)."""
        return min(self.backoff_base * 2 ** max(attempts - 1, 0), self.backoff_max)
