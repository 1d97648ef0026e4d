"""Time-to-threshold: when will a filling series (disk, connection pool, memory) reach its limit.

Why a robust trend for capacity: disks, connection pools and memory fill roughly linearly
between clean-ups, with noise and the odd spike. Theil-Sen's median of pairwise slopes
ignores the spikes, and its slope confidence interval plus the spread of the residuals
give an honest earliest / latest crossing time instead of one over-precise number.
Seasonal load forecasts live in loadforecast.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import theilslopes

MIN_POINTS = 5
RESIDUAL_QUANTILE = 0.9


class ForecastError(ValueError):
    """Too little or unusable history for a forecast; the message says what is missing."""


@dataclass(frozen=True)
class Crossing:
    """Seconds from the last sample until the series reaches the threshold (None: it does
    not head there); `earliest`/`latest` bound it from the slope interval and residual noise."""

    threshold: float
    current: float  # the trend's value at the last sample
    slope_per_second: float
    eta: float | None
    earliest: float | None
    latest: float | None

    def within(self, horizon: float) -> bool:
        return self.earliest is not None and self.earliest <= horizon


def time_to_threshold(times: np.ndarray, values: np.ndarray, threshold: float,
                      confidence: float = 0.9) -> Crossing:
    """Fit a robust linear trend to (times in seconds, values) and extrapolate to `threshold`."""
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(times) & np.isfinite(values)
    times, values = times[keep], values[keep]
    if len(times) < MIN_POINTS:
        raise ForecastError(f"need at least {MIN_POINTS} finite samples for a trend, got {len(times)}")
    if np.ptp(times) <= 0:
        raise ForecastError("all samples have the same timestamp")
    origin = times[-1]
    slope, intercept, slope_low, slope_high = theilslopes(values, times - origin, alpha=confidence)
    residuals = values - (intercept + slope * (times - origin))
    noise = float(np.quantile(np.abs(residuals), RESIDUAL_QUANTILE))
    gap = threshold - intercept
    if gap == 0:
        return Crossing(threshold, intercept, slope, 0.0, 0.0, 0.0)
    direction = math.copysign(1.0, gap)
    eta = _eta(gap, slope)
    # Earliest: the steepest plausible slope towards the threshold, from the noisy edge of the band.
    steep = max(slope_low * direction, slope_high * direction) * direction
    shallow = min(slope_low * direction, slope_high * direction) * direction
    earliest = 0.0 if abs(gap) <= noise else _eta(gap - direction * noise, steep)
    latest = _eta(gap + direction * noise, shallow)
    if eta is not None and latest is None:
        latest = math.inf
    return Crossing(threshold, float(intercept), float(slope), eta, earliest, latest)


def _eta(gap: float, slope: float) -> float | None:
    if slope == 0 or math.copysign(1.0, gap) != math.copysign(1.0, slope):
        return None
    return gap / slope
