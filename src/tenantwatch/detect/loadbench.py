"""Rolling-origin backtest of the load forecast against what an operator has without it.

Why these baselines: without tenantwatch a capacity planner reads `offset 1w` or
`offset 1d` in PromQL, or assumes the current rate holds. The forecast is worth its cost
only where it beats them; the backtest shows by how much, series by series, and whether
its 90 % interval really holds 90 % of what came.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from tenantwatch.detect.loadforecast import (DAY_HOURS, WEEK_HOURS, ForecastError, forecast_load, horizon_hours,
                                              hourly_load, last_season, persistence)

MIN_HISTORY_HOURS = 3 * WEEK_HOURS

# name -> (model from loadforecast, the season it is given)
BASELINES = {
    "same hour last week (offset 1w)": (last_season, WEEK_HOURS),
    "same hour yesterday (offset 1d)": (last_season, DAY_HOURS),
    "current value holds": (persistence, DAY_HOURS),
}
TENANTWATCH = "tenantwatch forecast"


@dataclass(frozen=True)
class MethodScore:
    method: str
    mean_abs_error: float
    error_percent: float  # mean absolute error / mean absolute level, in %
    coverage: float | None  # share of actual hours inside the interval (tenantwatch only)


@dataclass(frozen=True)
class LoadBacktest:
    origins: int
    steps: int
    scores: list[MethodScore]
    chosen: dict[str, int]  # how often each model was chosen


def backtest_load(series: pd.Series, horizon: pd.Timedelta, origins: int = 12, interval: float = 0.9,
                  progress: Callable[[int, int], None] = lambda done, total: None) -> LoadBacktest:
    """Forecast `horizon` ahead from `origins` points spread over the series (each with at
    least three weeks of history before it) and compare with what came."""
    hourly = hourly_load(series)
    steps = horizon_hours(horizon)
    last = len(hourly) - steps
    if last < MIN_HISTORY_HOURS:
        raise ForecastError(f"need at least {MIN_HISTORY_HOURS + steps} hours for a backtest "
                            f"(three weeks of history, then {steps} h to compare), got {len(hourly)}")
    starts = np.unique(np.linspace(MIN_HISTORY_HOURS, last, max(1, origins)).astype(int))
    values = hourly.to_numpy()
    errors: dict[str, list[np.ndarray]] = {name: [] for name in (TENANTWATCH, *BASELINES)}
    inside: list[np.ndarray] = []
    chosen: Counter[str] = Counter()
    for done, origin in enumerate(starts):
        actual = values[origin:origin + steps]
        forecast = forecast_load(hourly.iloc[:origin], horizon, interval=interval)
        errors[TENANTWATCH].append(actual - forecast.mean)
        inside.append((forecast.low <= actual) & (actual <= forecast.high))
        chosen[forecast.model] += 1
        for name, (model, season) in BASELINES.items():
            errors[name].append(actual - model(values[:origin], steps, season))
        progress(done + 1, len(starts))
    level = float(np.mean(np.abs(values))) or 1.0
    scores = [MethodScore(name, float(np.mean(np.abs(e))), 100.0 * float(np.mean(np.abs(e))) / level,
                          float(np.mean(inside)) if name == TENANTWATCH else None)
              for name, e in errors.items()]
    return LoadBacktest(len(starts), steps, scores, dict(chosen))
