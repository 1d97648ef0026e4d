"""Robust baselines: rolling median / MAD, and the same on the residual of a seasonal profile.

Why robust statistics: a spike must not inflate the very scale it is judged by, as a mean
and standard deviation would; the median and the median absolute deviation of the
previous `window` points ignore up to half of them being outliers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from tenantwatch.detect.base import BatchDetector

MAD_TO_SIGMA = 1.4826


def robust_z(frame: pd.DataFrame, window: int) -> np.ndarray:
    """|x - median| / (1.4826 MAD) against the previous `window` points (never the point itself)."""
    minimum = max(5, window // 8)
    median = frame.shift(1).rolling(window, min_periods=minimum).median()
    deviation = (frame - median).abs()
    mad = deviation.shift(1).rolling(window, min_periods=minimum).median()
    floor = 1e-3 * median.abs() + 1e-9  # a constant series: judge changes against its level
    return (deviation / (MAD_TO_SIGMA * mad + floor)).to_numpy()


def z_to_score(z: np.ndarray, quiet: float) -> np.ndarray:
    """0 up to `quiet` sigmas, 0.5 at twice that, towards 1 beyond without saturating (so a
    threshold can still tell 20 sigmas from 2 000)."""
    z = np.clip(np.nan_to_num(z, nan=0.0, posinf=1e12), quiet, None)
    excess = np.log2(z / quiet)
    return excess / (1.0 + excess)


@dataclass(frozen=True)
class RobustDetector(BatchDetector):
    name: ClassVar[str] = "robust"
    window: int = 24  # short enough to follow a daily pattern
    quiet: float = 4.0  # sigmas that count as normal

    @property
    def lookback(self) -> int:
        return 2 * self.window + 1

    def _score(self, frame: pd.DataFrame, start: int) -> np.ndarray:
        return z_to_score(robust_z(frame, self.window), self.quiet)


@dataclass(frozen=True)
class SeasonalDetector(BatchDetector):
    """Residual against a seasonal profile: the median of the same phase in the last `seasons`
    periods (daily, or weekly with `weekly`); robust z of that residual."""

    name: ClassVar[str] = "seasonal"
    seasons: int = 3
    weekly: bool = False
    window: int = 288
    quiet: float = 4.0

    @property
    def _lag(self) -> int:
        return (self.period or 1) * (7 if self.weekly else 1)

    @property
    def lookback(self) -> int:
        return self.seasons * self._lag + 2 * self.window + 1

    def _score(self, frame: pd.DataFrame, start: int) -> np.ndarray:
        if not self.period:
            return z_to_score(robust_z(frame, self.window), self.quiet)
        lagged = np.stack([frame.shift(k * self._lag).to_numpy() for k in range(1, self.seasons + 1)])
        with np.errstate(all="ignore"):
            profile = np.nanmedian(np.where(np.isnan(lagged).all(axis=0), 0.0, lagged), axis=0)
        known = ~np.isnan(lagged).all(axis=0)
        residual = pd.DataFrame(np.where(known, frame.to_numpy() - profile, np.nan))
        return z_to_score(robust_z(residual, self.window), self.quiet)
