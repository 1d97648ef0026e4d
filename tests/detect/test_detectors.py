"""Detectors catch what an operator would call an anomaly, stay quiet otherwise, never look
ahead, and keep their learnt state across a save/restore."""

from __future__ import annotations

import numpy as np
import pytest

from tenantwatch.detect.base import StreamingDetector, load_states, save_states
from tenantwatch.detect.ensemble import EnsembleDetector
from tenantwatch.detect.registry import DETECTORS, detector_from_config, make_detector

from .helpers import DAY, STEP, seasonal

LEARNING = 4 * DAY  # scores before this are the learning period and not judged
THRESHOLD = 0.5
REAL_DETECTORS = ("ensemble", "robust", "seasonal")


def _inject(kind: str, values: np.ndarray, at: int) -> np.ndarray:
    changed = values.copy()
    if kind == "spike":
        changed[at] += 60
    elif kind == "level_shift":
        changed[at:] += 40
    elif kind == "drop":
        changed[at:] = 0.0
    return changed


@pytest.mark.parametrize("name", REAL_DETECTORS)
@pytest.mark.parametrize("kind", ["spike", "level_shift", "drop"])
def test_injected_anomaly_is_detected_near_where_it_starts(name: str, kind: str) -> None:
    at = 10 * DAY + 37
    scores = make_detector(name, STEP).score(_inject(kind, seasonal(), at))
    hits = np.flatnonzero(scores[LEARNING:] >= THRESHOLD) + LEARNING
    assert len(hits), f"{name} missed the {kind}"
    assert at <= hits[hits >= at][0] <= at + 12, f"{name} found the {kind} late: {hits[:5]}"
    assert not np.any(hits < at), f"{name} fired before the {kind}: {hits[hits < at]}"


@pytest.mark.parametrize("name", REAL_DETECTORS)
def test_clean_seasonal_series_stays_quiet(name: str) -> None:
    scores = make_detector(name, STEP).score(seasonal(days=21, seed=3))
    assert scores.min() >= 0.0 and scores.max() <= 1.0
    assert np.count_nonzero(scores[LEARNING:] >= THRESHOLD) == 0


@pytest.mark.parametrize("name", list(DETECTORS))
def test_changing_the_future_never_changes_past_scores(name: str) -> None:
    values = seasonal(days=9)
    cut = 6 * DAY
    detector = make_detector(name, STEP)
    before = detector.score(values)
    altered = values.copy()
    altered[cut:] = np.random.default_rng(7).normal(500, 100, len(values) - cut)
    after = detector.score(altered)
    np.testing.assert_array_equal(before[:cut], after[:cut])
    assert not np.array_equal(before[cut:], after[cut:]) or name == "random"


def test_many_series_at_once_equal_one_at_a_time() -> None:
    matrix = np.column_stack([seasonal(days=6, seed=s) for s in range(4)])
    matrix[5 * DAY, 2] += 80
    detector = make_detector("ensemble", STEP)
    together = detector.score(matrix)
    for column in range(matrix.shape[1]):
        np.testing.assert_allclose(together[:, column], detector.score(matrix[:, column]), atol=1e-12)
    assert together[5 * DAY, 2] >= THRESHOLD and together[5 * DAY, [0, 1, 3]].max() < THRESHOLD


@pytest.mark.parametrize("name", REAL_DETECTORS)
def test_streaming_updates_give_the_batch_scores(name: str) -> None:
    values = _inject("spike", seasonal(days=3), 2 * DAY + 5)
    small = detector_from_config({**make_detector(name, STEP).config(), **_small(name)})
    stream = StreamingDetector(small)
    split = 2 * DAY - 20  # a chunk first, then point by point across the spike
    streamed = list(stream.extend(np.arange(split) * STEP, values[:split]))
    streamed += [stream.update(i * STEP, values[i]) for i in range(split, len(values))]
    np.testing.assert_allclose(streamed, small.score(values), atol=1e-9)
    assert len(stream.state().recent) <= small.lookback + 1  # bounded memory


def _small(name: str) -> dict:
    """Shorter memories so a point-by-point stream over the whole series stays fast."""
    return {"ensemble": {"history": 300, "refractory": 50, "warmup": 50},
            "robust": {"window": 60}, "seasonal": {"window": 60, "seasons": 2}}[name]


def test_saved_state_restores_the_same_future_scores(tmp_path) -> None:
    values = seasonal(days=5, seed=11)
    values[4 * DAY + 20] += 70
    config = {**make_detector("ensemble", STEP).config(), **_small("ensemble")}
    original = StreamingDetector(detector_from_config(config))
    head, tail = values[: 3 * DAY], values[3 * DAY:]
    original.extend(np.arange(len(head)) * STEP, head)
    path = tmp_path / "state.json"
    save_states(path, {"tenant=acme,service=api,signal=rps": original})
    restored = load_states(path)["tenant=acme,service=api,signal=rps"]
    times = (np.arange(len(tail)) + len(head)) * STEP
    expected = original.extend(times, tail)
    np.testing.assert_array_equal(restored.extend(times, tail), expected)
    assert expected.max() >= THRESHOLD  # the restored baseline still sees the spike


def test_missing_values_repeat_the_last_and_score_zero() -> None:
    values = seasonal(days=6)
    values[[0, 1, 5 * DAY, 5 * DAY + 1]] = np.nan
    scores = make_detector("ensemble", STEP).score(values)
    assert np.all(np.isfinite(scores))
    assert scores[[0, 1, 5 * DAY, 5 * DAY + 1]].tolist() == [0.0] * 4


def test_constant_series_scores_zero_until_it_changes() -> None:
    values = np.full(3 * DAY, 7.0)
    values[2 * DAY:] = 9.0
    for name in REAL_DETECTORS:
        scores = make_detector(name, STEP).score(values)
        assert scores[: 2 * DAY].max() == 0.0, name
        assert scores[2 * DAY] >= THRESHOLD, name


def test_out_of_order_points_are_ignored_by_the_stream() -> None:
    stream = StreamingDetector(make_detector("robust", STEP))
    stream.update(100.0, 1.0)
    assert stream.update(50.0, 1e9) == 0.0
    assert stream.seen == 1



def _value_view_only() -> EnsembleDetector:
    """The ensemble judging the raw value alone, so each event's novelty is easy to set."""
    return EnsembleDetector(period=None, weight_level=0.0, weight_volatility=0.0)


def _events(novelties: dict[int, float]) -> np.ndarray:
    """Noise in [0, 1), then at each row a value that many past ranges above the past maximum."""
    values = np.random.default_rng(2).uniform(0.0, 1.0, 2000)
    for row, novelty in sorted(novelties.items()):
        high, low = values[:row].max(), values[:row].min()
        values[row] = high + novelty * (high - low)
    return values


def test_a_spike_rising_over_several_samples_is_one_detection() -> None:
    scores = _value_view_only().score(_events({1500: 2.0, 1501: 2.5, 1502: 3.0}))
    assert np.flatnonzero(scores >= 0.5).tolist() == [1500]


def test_a_new_event_soon_after_fires_only_when_clearly_more_novel() -> None:
    scores = _value_view_only().score(_events({1500: 2.0, 1600: 2.2, 1700: 3.0}))
    assert np.flatnonzero(scores >= 0.5).tolist() == [1500, 1700]
