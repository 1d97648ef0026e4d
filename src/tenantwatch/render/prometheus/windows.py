"""The burn-rate windows (burn_rates.yaml) resolved for a spec's slo_period and profile."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from tenantwatch.render.prometheus.timing import Timing, Window
from tenantwatch.spec.units import parse_duration


@dataclass(frozen=True)
class BurnWindow:
    """Alert when both windows burn faster than `factor` times the sustainable rate."""

    long: Window
    short: Window
    factor: float


@lru_cache(maxsize=1)
def _table() -> dict[str, list[dict]]:
    return yaml.safe_load(resources.files(__package__).joinpath("burn_rates.yaml").read_text())


def burn_windows(speed: str, slo_period: float, timing: Timing) -> list[BurnWindow]:
    """The window pairs of `page` or `ticket` for this profile."""
    out = []
    for row in _table()[speed]:
        long, short = parse_duration(row["long"]), parse_duration(row["short"])
        factor = round(row["budget"] * slo_period / long, 6)
        out.append(BurnWindow(timing.span(long), timing.span(short), factor))
    return out


def all_windows(slo_period: float, timing: Timing) -> list[Window]:
    """Every distinct window an SLO rule reads, for the ratio recording rules."""
    seen: dict[str, Window] = {}
    for speed in ("page", "ticket"):
        for w in burn_windows(speed, slo_period, timing):
            seen.setdefault(w.long.name, w.long)
            seen.setdefault(w.short.name, w.short)
    return list(seen.values())
