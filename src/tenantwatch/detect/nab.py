"""The Numenta Anomaly Benchmark scorer (NAB v1.1), reimplemented from its published method.

Why here: a detector's quality is a number only if the scorer is faithful. Each point after
the probationary period gets a "sweep score": inside a labelled window the scaled sigmoid
of its relative position (earlier = more reward, normalised so the window start earns the
full A_TP), outside a window the sigmoid of its distance past the preceding window times
A_FP (-A_FP far away or before any window). Only the best (= first) detection of a window
counts; a window without one costs A_FN. The threshold that maximises the raw corpus score
is chosen per profile, and 100 * (raw - null) / (perfect - null) is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd


class Profile(NamedTuple):
    name: str
    tp: float
    fp: float
    tn: float
    fn: float


PROFILES = (
    Profile("standard", tp=1.0, fp=0.11, tn=1.0, fn=1.0),
    Profile("reward_low_FP_rate", tp=1.0, fp=0.22, tn=1.0, fn=1.0),
    Profile("reward_low_FN_rate", tp=1.0, fp=0.11, tn=1.0, fn=2.0),
)
PROBATION_FRACTION = 0.15
PROBATION_CAP_ROWS = 5000


def scaled_sigmoid(position: np.ndarray | float) -> np.ndarray:
    """NAB's reward curve: 2*sigmoid(-5x) - 1, and -1 beyond 3 window widths."""
    x = np.asarray(position, dtype=float)
    return np.where(x > 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * x)) - 1.0)


MAX_TP = float(scaled_sigmoid(-1.0))


def probation_length(rows: int) -> int:
    return int(min(math.floor(PROBATION_FRACTION * rows), PROBATION_FRACTION * PROBATION_CAP_ROWS))


@dataclass(frozen=True)
class LabelledFile:
    """One scored series: its timestamps and the [start, end] index pairs of its windows."""

    name: str
    timestamps: pd.DatetimeIndex
    windows: tuple[tuple[int, int], ...]


def window_indices(timestamps: pd.DatetimeIndex, windows: Sequence[Sequence[str]]) -> tuple[tuple[int, int], ...]:
    """Map NAB's window timestamps onto row indices: the first row stamped with each limit,
    as NAB does, or the nearest rows inside the window where no row carries the exact stamp."""
    stamps = timestamps.as_unit("ns").asi8
    pairs = []
    for start, end in windows:
        lo = _first_row(stamps, pd.Timestamp(start).value, side="left")
        hi = _first_row(stamps, pd.Timestamp(end).value, side="right")
        if lo <= hi:
            pairs.append((lo, hi))
    return tuple(sorted(pairs))


def _first_row(stamps: np.ndarray, stamp: int, side: str) -> int:
    exact = np.flatnonzero(stamps == stamp)
    if len(exact):
        return int(exact[0])
    position = int(np.searchsorted(stamps, stamp, side="left"))
    return position if side == "left" else position - 1


class _Sweep(NamedTuple):
    weight_tp: np.ndarray  # unweighted reward (position sigmoid / MAX_TP) for points inside a window
    unweighted_fp: np.ndarray  # sigmoid penalty for points outside windows (negative)
    window: np.ndarray  # window id, -1 outside any window
    scored: np.ndarray  # False during the probationary period


def _sweep(file: LabelledFile) -> _Sweep:
    n = len(file.timestamps)
    idx = np.arange(n)
    window = np.full(n, -1)
    tp = np.zeros(n)
    fp = np.full(n, -1.0)
    prev_right, prev_width = None, None
    cursor = 0
    for k, (lo, hi) in enumerate(file.windows):
        width = float(hi - lo + 1)
        if prev_right is not None and prev_width > 1:
            gap = idx[cursor:lo]
            fp[cursor:lo] = scaled_sigmoid(np.abs(prev_right - gap) / (prev_width - 1))
        inside = idx[lo:hi + 1]
        window[lo:hi + 1] = k
        tp[lo:hi + 1] = scaled_sigmoid(-(hi - inside + 1) / width) / MAX_TP
        prev_right, prev_width, cursor = hi, width, hi + 1
    if prev_right is not None and prev_width > 1:
        gap = idx[cursor:]
        fp[cursor:] = scaled_sigmoid(np.abs(prev_right - gap) / (prev_width - 1))
    scored = idx >= probation_length(n)
    return _Sweep(tp, fp, window, scored)


@dataclass(frozen=True)
class ProfileScore:
    profile: str
    score: float  # normalised: null = 0, perfect = 100
    raw: float
    threshold: float
    true_positives: int
    false_positives: int
    windows: int


def score_corpus(files: Sequence[LabelledFile], scores: Sequence[np.ndarray],
                 profiles: Sequence[Profile] = PROFILES) -> list[ProfileScore]:
    """Score a detector's per-point anomaly scores over a corpus, optimising the threshold."""
    parts, offset = [], 0
    for file, s in zip(files, scores):
        if len(s) != len(file.timestamps):
            raise ValueError(f"{file.name}: {len(s)} scores for {len(file.timestamps)} rows")
        sw = _sweep(file)
        keep = sw.scored
        win = np.where(sw.window[keep] >= 0, sw.window[keep] + offset, -1)
        parts.append((np.asarray(s, float)[keep], sw.weight_tp[keep], sw.unweighted_fp[keep], win))
        offset += len(file.windows)
    value = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    tp_w = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    fp_w = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0)
    win = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0, int)
    windows_total = offset
    value = np.nan_to_num(value, nan=0.0)
    order = np.argsort(-value, kind="stable")
    value, tp_w, fp_w, win = value[order], tp_w[order], fp_w[order], win[order]
    # The last row of each run of equal scores is where a threshold == that score stops.
    ends = np.flatnonzero(np.r_[value[1:] != value[:-1], True]) if len(value) else np.zeros(0, int)
    inside = win >= 0
    results = []
    for profile in profiles:
        gain = _gains(tp_w * profile.tp, win, inside, profile.fn) + np.where(inside, 0.0, fp_w * profile.fp)
        null = -profile.fn * windows_total
        perfect = profile.tp * windows_total
        totals = null + np.cumsum(gain)
        candidates = np.r_[null, totals[ends]] if len(ends) else np.array([null])
        best = int(np.argmax(candidates))
        raw = float(candidates[best])
        threshold = float(value[ends[best - 1]]) if best > 0 else 1.1
        cut = ends[best - 1] + 1 if best > 0 else 0
        detected_windows = len(set(win[:cut][inside[:cut]].tolist()))
        normalised = 100.0 * (raw - null) / (perfect - null) if perfect != null else 0.0
        results.append(ProfileScore(profile.name, normalised, raw, threshold, detected_windows,
                                    int(np.count_nonzero(~inside[:cut])), windows_total))
    return results


def _gains(tp_weighted: np.ndarray, win: np.ndarray, inside: np.ndarray, fn_weight: float) -> np.ndarray:
    """Raw-score change as each point (in descending score order) becomes a detection:
    a window's score is its best detection so far (-A_FN before the first)."""
    gain = np.zeros(len(win))
    if not inside.any():
        return gain
    frame = pd.DataFrame({"w": win[inside], "v": tp_weighted[inside]})
    best = frame.groupby("w")["v"].cummax()
    before = best.groupby(frame["w"]).shift(1).fillna(-fn_weight)
    gain[inside] = (best - before).to_numpy()
    return gain
