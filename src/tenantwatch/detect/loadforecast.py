"""Load (request-rate) forecasts: several seasonal models compete on the series' recent past.

Why a choice rather than one model: on real series no single model wins. Holt-Winters
follows a drifting level, the same hour last week copies a sharp weekly shape, a median of
weeks ignores one odd week, and "the last value holds" wins on series without rhythm. So
each candidate forecasts the last days of the history from what came before them (rolling
origins, no look-ahead); the best, averaged with the runner-up when that is close, is the
forecast, and the interval is the spread of its own errors there, honest whatever the
models. On NYC taxi demand a day ahead: 7.1 % error, Holt-Winters alone 8.9 %, `offset 1w`
9.3 % (benchmarks/forecast.py). Series are resampled to hourly means: load seasonality
lives at that scale, and a 288-slot season of 5-minute data is slow and noisy to fit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from tenantwatch.detect.forecast import ForecastError

DAY_HOURS = 24
WEEK_HOURS = 7 * DAY_HOURS
FIT_HOURS = 8 * WEEK_HOURS  # Holt-Winters sees at most 8 weeks: faster, and it follows recent change
NAIVE_SEASONS = 3  # seasonal naive: median of the same hour in the last 3 seasons
VALIDATION_ORIGINS = 7
COMBINED = 2  # the forecast is the mean of the two models that did best: steadier than the single best...
CLOSE = 0.2  # ...when the second's validation error is within 20 % of the best's
# Errors measured on the week the models were chosen on, from 7 origins, are optimistic:
# nominal 90 % bands held ~80 % of later hours on real series, so each tail gets half the miss rate.
OPTIMISM = 0.5


Model = Callable[[np.ndarray, int, int], np.ndarray]  # (hourly history, steps, season) -> forecast


def holt_winters(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Additive damped trend and additive season (statsmodels), fitted on the last 8 weeks."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    recent = history[-FIT_HOURS:]
    model = ExponentialSmoothing(recent, trend="add", damped_trend=True, seasonal="add",
                                 seasonal_periods=season, initialization_method="estimated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the validation error shows the fit quality
        return np.asarray(model.fit().forecast(steps))


def last_season(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """The same hour one season ago: PromQL's `offset 1w` (or `offset 1d`); quickest to follow growth."""
    return _repeat(history[len(history) - season:], steps)


def seasonal_naive(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """The median of the same hour in the last seasons: `offset 1w`, made robust to one odd week."""
    seasons = [k for k in range(1, NAIVE_SEASONS + 1) if len(history) >= k * season]
    return np.median([_repeat(history[len(history) - k * season:], steps) for k in seasons], axis=0)


def seasonal_naive_level(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Seasonal naive shifted by how much the last day differs from the same day in past seasons."""
    seasons = [k for k in range(1, NAIVE_SEASONS + 1) if len(history) >= k * season + DAY_HOURS]
    base = seasonal_naive(history, steps, season)
    if not seasons:
        return base
    before = np.median([history[len(history) - k * season - DAY_HOURS:len(history) - k * season].mean() for k in seasons])
    return base + (history[-DAY_HOURS:].mean() - before)


def _repeat(season_tail: np.ndarray, steps: int) -> np.ndarray:
    """The `steps` values that follow, if the season starting at `season_tail[0]` repeats."""
    return np.resize(season_tail, steps) if len(season_tail) else np.zeros(steps)


def daily_naive(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """Seasonal naive over days, for series whose week carries no pattern."""
    return seasonal_naive(history, steps, DAY_HOURS)


def persistence(history: np.ndarray, steps: int, season: int) -> np.ndarray:
    """The last hour holds: best for series without a rhythm (temperatures, slow drifts)."""
    return np.full(steps, history[-1])


MODELS: dict[str, Model] = {
    "holt-winters": holt_winters,
    "last season": last_season,
    "seasonal naive": seasonal_naive,
    "seasonal naive + level": seasonal_naive_level,
    "daily naive": daily_naive,
    "last value": persistence,
}


@dataclass(frozen=True)
class LoadForecast:
    """Mean and interval of the next `len(index)` hours, and how the model was chosen."""

    index: pd.DatetimeIndex
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    seasonal_period: int
    model: str  # the averaged models, e.g. "holt-winters + seasonal naive"
    validation_mae: dict[str, float]  # per candidate, on the recent history


def hourly_load(series: pd.Series) -> pd.Series:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ForecastError("load series needs a DatetimeIndex")
    return series.astype(float).resample("1h").mean().interpolate(limit_direction="both")


def horizon_hours(horizon: pd.Timedelta) -> int:
    """Hourly steps that cover `horizon` (at least one)."""
    return max(1, int(math.ceil(horizon / pd.Timedelta(hours=1))))


def forecast_load(series: pd.Series, horizon: pd.Timedelta, *, interval: float = 0.9) -> LoadForecast:
    """Forecast a load series (DatetimeIndex) `horizon` ahead, hour by hour, with daily
    (weekly, given two weeks of history) seasonality."""
    hourly = hourly_load(series)
    if len(hourly) < 2 * DAY_HOURS:
        raise ForecastError(f"need at least 48 hours of history for a daily season, got {len(hourly)}")
    steps = horizon_hours(horizon)
    season = WEEK_HOURS if len(hourly) >= 2 * WEEK_HOURS else DAY_HOURS
    values = hourly.to_numpy()
    errors = validation_errors(values, steps, season, MODELS)
    if not errors:
        raise ForecastError(f"need at least {season + steps} hours of history to forecast {steps} h ahead, got {len(values)}")
    scores = {name: float(np.mean(np.abs(e))) for name, e in errors.items()}
    ranked = [name for name in sorted(scores, key=scores.__getitem__)[:COMBINED]
              if scores[name] <= (1.0 + CLOSE) * min(scores.values())]
    mean = np.mean([MODELS[name](values, steps, season) for name in ranked], axis=0)
    tail = (1.0 - interval) / 2 * OPTIMISM
    spread = np.mean([errors[name] for name in ranked], axis=0).ravel()  # actual - forecast, all origins and steps
    low, high = np.quantile(spread, tail), np.quantile(spread, 1 - tail)
    index = pd.date_range(hourly.index[-1] + pd.Timedelta(hours=1), periods=steps, freq="1h")
    return LoadForecast(index, mean, mean + low, mean + high, season, " + ".join(sorted(ranked)), scores)


def validation_errors(values: np.ndarray, steps: int, season: int, models: dict[str, Model]) -> dict[str, np.ndarray]:
    """(origins, steps) errors (actual - forecast) of each model forecasting the end of the
    history from what came before, at origins one day apart. Origins keep two seasons of
    history before them when the history allows three such origins (Holt-Winters needs two
    seasons), else one; a model that cannot forecast from some origin is left out."""
    ends = [len(values) - steps - k * DAY_HOURS for k in range(VALIDATION_ORIGINS)]
    origins = [o for o in ends if o >= 2 * season]
    if len(origins) < 3:
        origins = [o for o in ends if o >= season]
    errors: dict[str, np.ndarray] = {}
    for name, model in models.items():
        try:
            errors[name] = np.array([values[o:o + steps] - model(values[:o], steps, season) for o in origins])
        except ValueError:
            continue
    return {name: e for name, e in errors.items() if len(e)}
