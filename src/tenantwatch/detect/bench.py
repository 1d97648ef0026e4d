"""Running detectors over a NAB-layout corpus: scores per profile, hold-out split, points/s.

Why a split: the ensemble's parameters were chosen on TUNED_CATEGORIES; scores on the
other categories show what to expect on series nobody tuned for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from tenantwatch.detect.corpus import CorpusFile
from tenantwatch.detect.nab import ProfileScore, score_corpus
from tenantwatch.detect.registry import make_detector

TUNED_CATEGORIES = frozenset({"artificialNoAnomaly", "artificialWithAnomaly", "realAWSCloudwatch"})


@dataclass(frozen=True)
class BenchRow:
    detector: str
    files: str  # "all", "tuned on", "held out"
    scores: list[ProfileScore]
    points_per_second: float | None


def score_files(files: Sequence[CorpusFile], detector: str) -> tuple[list[np.ndarray], float]:
    """Batch-score every file; returns the scores and points/s of the scoring alone."""
    warm_up(detector)
    started = time.perf_counter()
    scores = [make_detector(detector, f.series.step_seconds).score(f.series.values) for f in files]
    elapsed = max(time.perf_counter() - started, 1e-9)
    return scores, sum(len(f.series.values) for f in files) / elapsed


def warm_up(detector: str) -> None:
    """Score a few points first, so lazy imports (scipy takes seconds) are not timed as scoring."""
    make_detector(detector, 300.0).score(np.arange(16.0))


def reference_scores(files: Sequence[CorpusFile]) -> dict[str, list[np.ndarray]]:
    """The scorer's own check: the null detector and one firing at the start of each window."""
    perfect = []
    for f in files:
        s = np.zeros(len(f.series.values))
        s[[lo for lo, _ in f.labels.windows]] = 1.0
        perfect.append(s)
    return {"null": [np.zeros(len(f.series.values)) for f in files], "perfect": perfect}


def run_nab(files: Sequence[CorpusFile], detector: str, baselines: Sequence[str], out: Path | None,
            progress: Callable[[str], None] = lambda _: None) -> list[BenchRow]:
    labels = [f.labels for f in files]
    rows = [BenchRow(name, "all", score_corpus(labels, s), None) for name, s in reference_scores(files).items()]
    for name in (detector, *baselines):
        progress(name)
        scores, speed = score_files(files, name)
        rows.append(BenchRow(name, "all", score_corpus(labels, scores), speed))
        if name == detector:
            if out is not None:
                write_scores(out, files, scores)
            for split, keep in (("tuned on", True), ("held out", False)):
                chosen = [i for i, f in enumerate(files) if (f.category in TUNED_CATEGORIES) == keep]
                if chosen and any(files[i].labels.windows for i in chosen):
                    rows.append(BenchRow(name, split, score_corpus([labels[i] for i in chosen],
                                                                   [scores[i] for i in chosen]), None))
    return rows


def write_scores(out: Path, files: Sequence[CorpusFile], scores: Sequence[np.ndarray]) -> None:
    """`<category>/<name>.csv` with timestamp,value,anomaly_score per file, for other scorers."""
    for f, s in zip(files, scores):
        target = out / f.labels.name
        target.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame({"timestamp": f.series.timestamps.strftime("%Y-%m-%d %H:%M:%S"),
                              "value": f.series.values, "anomaly_score": s})
        tmp = target.with_name(target.name + ".tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(target)


def matrix_throughput(detector: str, series: int = 64, points: int = 10_000, seed: int = 0) -> float:
    """Points/s of the vectorised path over many series at once (a synthetic daily pattern)."""
    rng = np.random.default_rng(seed)
    t = np.arange(points)[:, None]
    values = 10 + 3 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 1, (points, series))
    model = make_detector(detector, 300.0)
    warm_up(detector)
    started = time.perf_counter()
    model.score(values)
    return series * points / max(time.perf_counter() - started, 1e-9)
