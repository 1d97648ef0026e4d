"""The detector interface: a causal batch form over many series, and a streaming wrapper.

Why one implementation: every detector is written once, as a vectorised batch function
over a (time, series) matrix whose row t only reads rows <= t. The streaming form keeps
the last `lookback` values of one series (bounded memory) and scores each new point with
the same function, so live scores, backtests and the NAB benchmark cannot disagree.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

DAY_SECONDS = 86400.0
WEEK_DAYS = 7


def samples_per_day(step_seconds: float) -> int | None:
    """The daily period in samples, or None when sampling is too coarse for a daily profile."""
    if step_seconds <= 0 or step_seconds > DAY_SECONDS / 4:
        return None
    return int(round(DAY_SECONDS / step_seconds))


def past_max(values: np.ndarray, rows: int, before_first: float = 0.0) -> np.ndarray:
    """Per column, the maximum of the previous `rows` rows (`before_first` for the first row)."""
    return pd.DataFrame(values).shift(1).rolling(rows, min_periods=1).max().fillna(before_first).to_numpy()


@dataclass(frozen=True)
class BatchDetector(ABC):
    """A causal detector: `score(values)` maps a (time, series) matrix to scores in [0, 1]."""

    name: ClassVar[str]
    period: int | None = None  # samples per day (None: no seasonal view)

    @property
    @abstractmethod
    def lookback(self) -> int:
        """How many past rows a score can depend on (the streaming buffer size)."""

    @abstractmethod
    def _score(self, frame: pd.DataFrame, start: int) -> np.ndarray:
        """Scores for a gap-free frame whose first row is the series' row number `start`."""

    def score(self, values: np.ndarray, start: int = 0) -> np.ndarray:
        """Score a (time,) or (time, series) array; NaN repeats the last value and scores 0."""
        matrix = np.asarray(values, dtype=float)
        flat = matrix.ndim == 1
        matrix = matrix.reshape(len(matrix), -1)
        scores = np.zeros_like(matrix)
        missing = np.isnan(matrix)
        first_valid = np.where(missing.all(axis=0), len(matrix), missing.argmin(axis=0))
        for first in np.unique(first_valid):
            columns = np.flatnonzero(first_valid == first)
            if first >= len(matrix):
                continue
            frame = pd.DataFrame(matrix[first:, columns]).ffill()
            block = self._score(frame, start + int(first))
            block[missing[first:, columns]] = 0.0
            scores[first:, columns] = np.clip(np.nan_to_num(block, nan=0.0), 0.0, 1.0)
        return scores[:, 0] if flat else scores

    def config(self) -> dict[str, Any]:
        return {"detector": self.name, **asdict(self)}


@dataclass
class StreamState:
    """What a streaming detector keeps per series: the recent values and how many it has seen."""

    seen: int = 0
    last_timestamp: float | None = None
    recent: list[float] = field(default_factory=list)


class StreamingDetector:
    """`update(timestamp, value) -> score` for one series, over a bounded buffer."""

    def __init__(self, detector: BatchDetector, state: StreamState | None = None):
        self.detector = detector
        state = state or StreamState()
        self.seen = state.seen
        self.last_timestamp = state.last_timestamp
        self._recent: deque[float] = deque(state.recent, maxlen=detector.lookback + 1)

    def update(self, timestamp: float, value: float) -> float:
        """Score one point; a timestamp not after the last one is ignored (score 0)."""
        return float(self.extend(np.array([timestamp], float), np.array([value], float))[0])

    def extend(self, timestamps: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Score several new points at once (same result as one `update` each, but one pass).
        Points whose timestamp is not after the previous one are skipped and score 0."""
        timestamps = np.asarray(timestamps, float)
        values = np.asarray(values, float)
        scores = np.zeros(len(values))
        previous = -np.inf if self.last_timestamp is None else self.last_timestamp
        ordered = timestamps > np.maximum.accumulate(np.r_[previous, timestamps[:-1]])
        fresh = values[ordered]
        if not len(fresh):
            return scores
        self.last_timestamp = float(timestamps[ordered][-1])
        window = np.r_[np.array(self._recent, float), fresh]
        start = self.seen - len(self._recent)
        scores[ordered] = self.detector.score(window, start=start)[-len(fresh):]
        self._recent.extend(fresh.tolist())
        self.seen += len(fresh)
        return scores

    def state(self) -> StreamState:
        return StreamState(self.seen, self.last_timestamp, list(self._recent))


def save_states(path: Path, detectors: dict[str, StreamingDetector]) -> None:
    """Write every series' detector state (JSON) atomically, so a restart keeps baselines."""
    payload = {
        key: {"config": d.detector.config(), "state": asdict(d.state())} for key, d in detectors.items()
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, allow_nan=True))
    tmp.replace(path)


def load_states(path: Path) -> dict[str, StreamingDetector]:
    from tenantwatch.detect.registry import detector_from_config

    payload = json.loads(path.read_text())
    return {
        key: StreamingDetector(detector_from_config(item["config"]), StreamState(**item["state"]))
        for key, item in payload.items()
    }


def config_fields(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}
