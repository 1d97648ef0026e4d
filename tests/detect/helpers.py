"""Synthetic series for detector tests: a daily pattern with noise, on 5-minute steps."""

from __future__ import annotations

import numpy as np
import pandas as pd

STEP = 300.0
DAY = 288


def seasonal(days: int = 14, seed: int = 0, noise: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days * DAY)
    return 50 + 10 * np.sin(2 * np.pi * t / DAY) + rng.normal(0, noise, len(t))


def timestamps(n: int, start: str = "2024-01-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq=f"{int(STEP)}s")


def write_csv(path, values, stamps=None) -> None:
    stamps = timestamps(len(values)) if stamps is None else stamps
    pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%d %H:%M:%S"), "value": values}).to_csv(path, index=False)
