"""A sensor that freezes at an ordinary value is caught once, when its flat run becomes longer
than any before; ordinary repeats and constant series stay quiet; streaming agrees with batch."""

from __future__ import annotations

import numpy as np

from tenantwatch.detect.base import StreamingDetector
from tenantwatch.detect.registry import detector_from_config, make_detector

from .helpers import DAY, STEP, seasonal

THRESHOLD = 0.5
LEARNING = 4 * DAY


def _stuck(values: np.ndarray, at: int, length: int) -> np.ndarray:
    frozen = values.copy()
    frozen[at:at + length] = frozen[at - 1]  # the last reading repeats: well inside the usual range
    return frozen


def test_stuck_sensor_is_detected_once_near_where_it_freezes() -> None:
    at, length = 9 * DAY + 100, DAY
    values = _stuck(seasonal(days=14), at, length)
    scores = make_detector("ensemble", STEP).score(values)
    hits = np.flatnonzero(scores[LEARNING:] >= THRESHOLD) + LEARNING
    assert len(hits) and at <= hits[0] <= at + 12, f"stuck sensor found late or not at all: {hits[:5]}"
    assert not np.any((hits > hits[0]) & (hits < at + length)), "one flat period must give one detection"


def test_ordinary_repeats_of_a_count_series_stay_quiet() -> None:
    counts = np.random.default_rng(5).poisson(4, 14 * DAY).astype(float)  # many short runs of equal values
    scores = make_detector("ensemble", STEP).score(counts)
    assert np.count_nonzero(scores[LEARNING:] >= THRESHOLD) == 0


def test_streaming_agrees_with_batch_across_a_stuck_period() -> None:
    values = _stuck(seasonal(days=3), 2 * DAY, 200)
    small = detector_from_config({**make_detector("ensemble", STEP).config(),
                                  "history": 300, "refractory": 50, "warmup": 50})
    stream = StreamingDetector(small)
    split = 2 * DAY - 20
    streamed = list(stream.extend(np.arange(split) * STEP, values[:split]))
    streamed += [stream.update(i * STEP, values[i]) for i in range(split, len(values))]
    batch = small.score(values)
    np.testing.assert_allclose(streamed, batch, atol=1e-9)
    assert batch[2 * DAY:2 * DAY + 200].max() >= THRESHOLD
