"""Forecasters: when will a series cross a threshold, and what load comes next.

Why a robust trend for capacity: disks, connection pools and memory fill roughly linearly
between clean-ups, with noise and the odd spike. Theil-Sen's median of pairwise slopes
ignores the spikes, and its slope confidence interval plus the spread of the residuals
give an honest earliest / latest crossing time instead of one over-precise number.
Load (request rate) is seasonal: Holt-Winters from statsmodels with a daily (or, given
two weeks of history, weekly) season, its interval from simulated future paths.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
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


@dataclass(frozen=True)
class LoadForecast:
    """Mean and interval of the next `len(index)` steps."""

    index: pd.DatetimeIndex
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    seasonal_period: int | None


def forecast_load(series: pd.Series, horizon: pd.Timedelta, *, interval: float = 0.9,
                  paths: int = 200, seed: int = 0) -> LoadForecast:
    """Forecast a load series (DatetimeIndex) `horizon` ahead, with daily/weekly seasonality.

    The series is resampled to hourly means (seasonal patterns of load live at that scale,
    and fitting a 288-slot season of 5-minute data is slow and noisy)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    if not isinstance(series.index, pd.DatetimeIndex):
        raise ForecastError("load series needs a DatetimeIndex")
    hourly = series.astype(float).resample("1h").mean().interpolate(limit_direction="both")
    if len(hourly) < 2 * 24:
        raise ForecastError(f"need at least 48 hours of history for a daily season, got {len(hourly)}")
    steps = max(1, int(math.ceil(horizon / pd.Timedelta(hours=1))))
    period = 24 * 7 if len(hourly) >= 2 * 24 * 7 else 24
    model = ExponentialSmoothing(hourly.to_numpy(), trend="add", damped_trend=True,
                                 seasonal="add", seasonal_periods=period, initialization_method="estimated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the interval shows the fit quality
        fitted = model.fit()
        mean = fitted.forecast(steps)
        simulated = fitted.simulate(steps, repetitions=paths, error="add",
                                    random_state=np.random.default_rng(seed)).reshape(steps, -1)
    tail = (1.0 - interval) / 2
    index = pd.date_range(hourly.index[-1] + pd.Timedelta(hours=1), periods=steps, freq="1h")
    return LoadForecast(index, np.asarray(mean), np.quantile(simulated, tail, axis=1),
                        np.quantile(simulated, 1 - tail, axis=1), period)
