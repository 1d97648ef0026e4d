"""Backtests: precision / recall / delay of a detector against labelled windows, and the
lead time of the time-to-threshold alert on a synthetic filling disk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tenantwatch.detect.corpus import Series, SeriesError
from tenantwatch.detect.forecast import time_to_threshold
from tenantwatch.detect.nab import window_indices


@dataclass(frozen=True)
class BacktestResult:
    windows: int
    detected_windows: int
    detections: int
    true_detections: int
    delays_seconds: list[float]  # window start -> first detection, per detected window

    @property
    def precision(self) -> float:
        return self.true_detections / self.detections if self.detections else 0.0

    @property
    def recall(self) -> float:
        return self.detected_windows / self.windows if self.windows else 0.0

    def as_dict(self) -> dict:
        delays = self.delays_seconds
        return {"windows": self.windows, "detected_windows": self.detected_windows, "detections": self.detections,
                "precision": self.precision, "recall": self.recall,
                "median_delay_seconds": float(np.median(delays)) if delays else None,
                "delays_seconds": delays}


def read_windows(path: Path, series_name: str) -> list[list[str]]:
    """Windows from JSON: a list of [start, end] pairs, or NAB's {file: [[start, end], ...]}
    (the entry whose key ends with the CSV's file name)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SeriesError(f"{path}: cannot read labels: {exc}") from None
    if isinstance(data, dict):
        matches = [key for key in data if Path(key).name == Path(series_name).name]
        if not matches:
            raise SeriesError(f"{path}: no windows for {Path(series_name).name} (keys are file names)")
        data = data[matches[0]]
    if not isinstance(data, list) or not all(isinstance(w, list) and len(w) == 2 for w in data):
        raise SeriesError(f"{path}: expected a list of [start, end] timestamp pairs")
    return data


def backtest(series: Series, scores: np.ndarray, windows: list[list[str]], threshold: float) -> BacktestResult:
    try:
        spans = window_indices(series.timestamps, windows)
    except (ValueError, TypeError) as exc:
        raise SeriesError(f"labels: a window limit is not a timestamp: {exc}") from None
    hits = np.flatnonzero(scores >= threshold)
    inside = np.zeros(len(scores), bool)
    delays = []
    for lo, hi in spans:
        inside[lo:hi + 1] = True
        mine = hits[(hits >= lo) & (hits <= hi)]
        if len(mine):
            delays.append((series.timestamps[mine[0]] - series.timestamps[lo]).total_seconds())
    return BacktestResult(len(spans), len(delays), len(hits), int(inside[hits].sum()), delays)


@dataclass(frozen=True)
class LeadTime:
    crossing_at: float  # seconds since the start when the disk really fills
    first_alert_at: float | None
    horizon: float

    @property
    def lead(self) -> float | None:
        return None if self.first_alert_at is None else self.crossing_at - self.first_alert_at


def filling_disk_lead_time(*, capacity: float = 100e9, days: float = 10.0, step: float = 300.0,
                           horizon: float = 24 * 3600.0, lookback: float = 12 * 3600.0, poll: float = 900.0,
                           seed: int = 0) -> LeadTime:
    """A disk that fills linearly with a daily wiggle and noise;
    returns when the time-to-full alert (evaluated every `poll` seconds) first fires compared
    with the real moment it fills."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, days * 86400, step)
    used = 0.3 * capacity + 0.75 * capacity * t / t[-1]
    used += 0.01 * capacity * np.sin(2 * np.pi * t / 86400) + rng.normal(0, 0.003 * capacity, len(t))
    crossing = float(t[np.argmax(used >= capacity)]) if (used >= capacity).any() else float(t[-1] + step)
    window = int(lookback / step)
    for i in range(window, len(t), max(1, int(poll / step))):
        recent = slice(i - window, i + 1)
        if time_to_threshold(t[recent], used[recent], capacity).within(horizon):
            return LeadTime(crossing, float(t[i]), horizon)
    return LeadTime(crossing, None, horizon)


def scores_frame(series: Series, scores: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"timestamp": series.timestamps.strftime("%Y-%m-%d %H:%M:%S"), "value": series.values,
                         "anomaly_score": scores})
