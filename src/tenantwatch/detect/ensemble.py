"""The ensemble detector: novelty of several views of a series, with an alert refractory.

Why this shape: operational anomalies are mostly the series (or its level, volatility, or
deviation from yesterday / last week) leaving the range it has occupied so far. Each view
scores how far the current value lies outside that view's past range (relative to the
range), weighted until the view has enough history; the ensemble takes the strongest
view. One incident should yield one detection rather than a burst of false positives, so
a score is damped unless it beats the highest score of the recent `refractory` points by
`margin` (a value creeping a little above its last record is the same incident), and the
`burst` points right after an undamped score are damped too (a spike rising over several
samples is one event).
The one anomaly that stays inside every range, a stuck sensor (a flat run longer than any
before), comes from stuck.py and is not damped: it is a different incident. Parameters
were tuned on the NAB categories artificial* and realAWSCloudwatch and checked on
realKnownCause (see docs/detectors.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from tenantwatch.detect.base import WEEK_DAYS, BatchDetector, past_max
from tenantwatch.detect.stuck import stuck_onsets

SEASONS_BEFORE_TRUST = 3
MAX_NOVELTY = 20.0  # ranges; keeps the first few points (a range of almost nothing) from scoring 1


@dataclass(frozen=True)
class EnsembleDetector(BatchDetector):
    name: ClassVar[str] = "ensemble"
    history: int = 10000  # points of past range each view remembers
    smooth: int = 24  # points averaged for the level / volatility / seasonal views
    warmup: int = 500  # points before a view gets its full weight
    refractory: int = 1000  # points after a detection during which weaker scores are damped
    margin: float = 0.2  # how much (relative) a score must beat the refractory's peak to count again
    burst: int = 3  # points right after an undamped score that are damped whatever their score
    damp: float = 0.1
    weight_value: float = 1.0
    weight_level: float = 1.0
    weight_volatility: float = 0.7
    weight_daily: float = 0.5
    weight_weekly: float = 1.0
    stuck_score: float = 0.6  # score of a stuck-sensor onset (0: off)
    stuck_min_run: int = 12  # identical values in a row before a record run counts as stuck

    @property
    def lookback(self) -> int:
        longest_lag = WEEK_DAYS * self.period if self.period else 0
        return max(self.refractory + self.burst + self.history + longest_lag + self.smooth, self._stuck_memory * 2) + 1

    @property
    def _stuck_memory(self) -> int:
        return self.history // 2

    def _views(self, frame: pd.DataFrame) -> list[tuple[float, int, pd.DataFrame]]:
        """(weight, rows of history the view needs, values) for each view of the series."""
        k = self.smooth
        views = [
            (self.weight_value, 0, frame),
            (self.weight_level, 0, frame.rolling(k, min_periods=1).mean()),
            (self.weight_volatility, 1, frame.rolling(k, min_periods=2).std()),
        ]
        if self.period:
            for weight, lag in ((self.weight_daily, self.period), (self.weight_weekly, WEEK_DAYS * self.period)):
                views.append((weight, lag, (frame - frame.shift(lag)).rolling(k, min_periods=1).mean()))
        return views

    def _score(self, frame: pd.DataFrame, start: int) -> np.ndarray:
        rows = start + np.arange(len(frame))
        strongest = np.zeros(frame.shape)
        for weight, lag, view in self._views(frame):
            if weight <= 0:
                continue
            # A seasonal view speaks once it has seen `SEASONS_BEFORE_TRUST` seasons.
            ready = rows - SEASONS_BEFORE_TRUST * lag
            ramp = np.clip(ready / self.warmup, 0.0, 1.0) if self.warmup else (ready >= 0).astype(float)
            strongest = np.maximum(strongest, weight * novelty(view, self.history) * ramp[:, None])
        damped = self._refractory(strongest)
        if self.stuck_score <= 0:
            return damped
        onsets = stuck_onsets(frame, start, self._stuck_memory, self.stuck_min_run)
        ramp = np.clip(rows / self.warmup, 0.0, 1.0) if self.warmup else np.ones(len(rows))
        return np.maximum(damped, self.stuck_score * onsets * ramp[:, None])

    def _refractory(self, strength: np.ndarray) -> np.ndarray:
        """Scores in [0, 1), damped except where the strength beats the recent peak by `margin`
        (compared before the squashing to [0, 1), which would hide how much bigger a big
        event is) and does not follow such a score within `burst` points."""
        undamped = strength > past_max(strength, self.refractory) * (1.0 + self.margin)
        if self.burst:
            undamped &= past_max(undamped.astype(float), self.burst) == 0.0
        score = 1.0 - np.exp(-strength)
        return np.where(undamped, score, score * self.damp)


def novelty(view: pd.DataFrame, history: int) -> np.ndarray:
    """How far each value lies outside the range of the previous `history` values, in ranges."""
    past = view.shift(1).rolling(history, min_periods=1)
    high, low = past.max().to_numpy(), past.min().to_numpy()
    values = view.to_numpy()
    span = high - low + 1e-6 * np.maximum(np.abs(high), np.abs(low)) + 1e-12
    outside = np.maximum(values - high, low - values)
    return np.nan_to_num(np.clip(outside / span, 0.0, MAX_NOVELTY), nan=0.0)
