"""Reference detectors the benchmark prints beside ours: random, and a rolling Gaussian z-score
(NAB's "windowed Gaussian"), so a score on a corpus subset has something to be compared with."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from tenantwatch.detect.base import BatchDetector


@dataclass(frozen=True)
class RandomDetector(BatchDetector):
    name: ClassVar[str] = "random"
    seed: int = 0

    @property
    def lookback(self) -> int:
        return 0

    def _score(self, frame: pd.DataFrame, start: int) -> np.ndarray:
        # Seeded by position, so the same row always gets the same score (stream == batch).
        rows = start + np.arange(len(frame))
        return np.array([[_uniform(self.seed, r, c) for c in range(frame.shape[1])] for r in rows])


def _uniform(seed: int, row: int, column: int) -> float:
    return zlib.crc32(f"{seed}:{row}:{column}".encode()) / 2**32


@dataclass(frozen=True)
class GaussianDetector(BatchDetector):
    """Tail probability of the value under a normal fitted to the previous `window` points."""

    name: ClassVar[str] = "gaussian"
    window: int = 6400

    @property
    def lookback(self) -> int:
        return self.window + 1

    def _score(self, frame: pd.DataFrame, start: int) -> np.ndarray:
        from scipy.stats import norm  # imported here: scipy.stats alone takes seconds to load

        past = frame.shift(1).rolling(self.window, min_periods=10)
        z = ((frame - past.mean()) / (past.std() + 1e-12)).abs().to_numpy()
        return np.nan_to_num(1.0 - 2.0 * norm.sf(z), nan=0.0)
