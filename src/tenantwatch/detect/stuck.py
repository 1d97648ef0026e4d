"""Stuck-sensor detection: a run of identical values longer than any run seen before.

Why a separate signal: a sensor, counter or agent that stops reporting changes usually
freezes at a value well inside the range the series has always had, so none of the range
views of the ensemble can see it; what is new is only how long the value has not moved.
It fires once, at the first point where the current run becomes a record, so a long
flat period yields one detection rather than one per point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenantwatch.detect.base import past_max


def run_lengths(values: np.ndarray, cap: int) -> np.ndarray:
    """How many rows (this one included, at most `cap`) each value has been repeated; the cap
    keeps the result a function of the last `cap` rows, so a bounded stream buffer agrees."""
    rows = np.arange(len(values))[:, None]
    changed = np.ones(values.shape, bool)
    changed[1:] = values[1:] != values[:-1]
    last_change = np.maximum.accumulate(np.where(changed, rows, 0), axis=0)
    return np.minimum(rows - last_change + 1, cap).astype(float)


def stuck_onsets(frame: pd.DataFrame, start: int, memory: int, min_run: int) -> np.ndarray:
    """1 where the current run of identical values first becomes longer than every run of the
    previous `memory` rows (and at least `min_run` long), else 0. Only a run that began after
    a change counts (not one from the series' first row, nor one longer than `memory`), so a
    constant series never fires. `start` is the series' row number of the frame's first row."""
    runs = run_lengths(frame.to_numpy(), memory)
    longest = past_max(runs, memory, before_first=np.inf)
    rows_seen = start + np.arange(1, len(runs) + 1)[:, None]
    record = (runs >= min_run) & (runs > longest) & (runs < np.minimum(memory, rows_seen))
    onset = record.copy()
    onset[1:] &= ~record[:-1]
    return onset.astype(float)
