"""The NAB scorer against hand-computed cases, and `tenantwatch bench nab` on two real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.detect.bench import reference_scores
from tenantwatch.detect.corpus import load_nab
from tenantwatch.detect.nab import LabelledFile, probation_length, scaled_sigmoid, score_corpus

NAB = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "nab"
FILES = ("artificialWithAnomaly/art_daily_jumpsup.csv", "artificialNoAnomaly/art_daily_no_noise.csv",
         "realKnownCause/rogue_agent_key_hold.csv")


def _file(rows: int, windows: tuple[tuple[int, int], ...]) -> LabelledFile:
    return LabelledFile("f.csv", pd.date_range("2024-01-01", periods=rows, freq="5min"), windows)


def _scores(rows: int, fire_at: list[int]) -> np.ndarray:
    s = np.zeros(rows)
    s[fire_at] = 1.0
    return s


def test_null_scores_zero_and_window_starts_score_hundred_on_every_profile() -> None:
    files = load_nab(NAB)
    for name, scores in reference_scores(files).items():
        results = score_corpus([f.labels for f in files], scores)
        assert [round(r.score, 9) for r in results] == [0.0 if name == "null" else 100.0] * 3, name


def test_one_false_positive_costs_its_profile_weight() -> None:
    rows, window = 1000, ((400, 499),)
    results = {r.profile: r.score for r in score_corpus([_file(rows, window)], [_scores(rows, [200, 400])])}
    assert results["standard"] == pytest.approx(100 * (1 - 0.11 + 1) / 2)
    assert results["reward_low_FP_rate"] == pytest.approx(100 * (1 - 0.22 + 1) / 2)
    assert results["reward_low_FN_rate"] == pytest.approx(100 * (1 - 0.11 + 2) / 3)


def test_late_detection_earns_less_and_only_the_first_counts() -> None:
    rows, window = 1000, ((400, 499),)
    late = score_corpus([_file(rows, window)], [_scores(rows, [499])])[0]
    reward = scaled_sigmoid(-1 / 100) / scaled_sigmoid(-1.0)
    assert late.score == pytest.approx(100 * (reward + 1) / 2)
    twice = score_corpus([_file(rows, window)], [_scores(rows, [400, 450, 499])])[0]
    assert twice.score == pytest.approx(100.0) and twice.false_positives == 0


def test_probationary_detections_are_ignored_and_threshold_is_optimised() -> None:
    rows, window = 1000, ((400, 499),)
    assert probation_length(rows) == 150
    scores = _scores(rows, [10, 420])
    scores[700] = 0.9  # a weaker false positive long after the window: the optimiser cuts it
    result = score_corpus([_file(rows, window)], [scores])[0]
    assert result.threshold == 1.0 and result.false_positives == 0
    assert result.score == pytest.approx(100 * (scaled_sigmoid(-80 / 100) / scaled_sigmoid(-1.0) + 1) / 2)


def _copy_subset(data: Path, labels: Path) -> None:
    """FILES with their windows: CSVs under data/<category>/, the windows file in labels/."""
    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())
    labels.mkdir(parents=True)
    (labels / "combined_windows.json").write_text(json.dumps({f: windows[f] for f in FILES}))
    for f in FILES:
        (data / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(NAB / f, data / f)


def test_bench_nab_prints_profiles_baselines_and_writes_per_file_scores(tmp_path: Path) -> None:
    data = tmp_path / "nab"
    _copy_subset(data, data / "labels")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bench", "nab", "--data", str(data), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    by_name = {(r["detector"], r["files"]): r for r in report["rows"]}
    assert by_name[("null", "all")]["scores"] == {"standard": 0.0, "reward_low_FP_rate": 0.0, "reward_low_FN_rate": 0.0}
    assert set(by_name) >= {("ensemble", "all"), ("gaussian", "all"), ("random", "all"), ("ensemble", "held out")}
    assert by_name[("ensemble", "all")]["scores"]["standard"] > by_name[("random", "all")]["scores"]["standard"]
    assert by_name[("ensemble", "all")]["points_per_second"] > 0
    for f in FILES:
        written = pd.read_csv(out / f)
        assert list(written.columns) == ["timestamp", "value", "anomaly_score"]
        assert len(written) == len(pd.read_csv(NAB / f))
        assert written["anomaly_score"].between(0, 1).all()


@pytest.mark.parametrize("data_argument", ["NAB", "NAB/data"])
def test_bench_nab_reads_a_checkout_of_nabs_repository(tmp_path: Path, data_argument: str) -> None:
    _copy_subset(tmp_path / "NAB" / "data", tmp_path / "NAB" / "labels")
    result = CliRunner().invoke(app, ["bench", "nab", "--data", str(tmp_path / data_argument), "--baselines", "",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"] == len(FILES)


def test_bench_nab_takes_the_windows_file_from_labels_option(tmp_path: Path) -> None:
    _copy_subset(tmp_path / "series", tmp_path / "elsewhere")
    result = CliRunner().invoke(app, ["bench", "nab", "--data", str(tmp_path / "series"), "--baselines", "",
                                      "--labels", str(tmp_path / "elsewhere" / "combined_windows.json")])
    assert result.exit_code == 0, result.output


def test_bench_nab_without_labels_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "nab", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "combined_windows.json" in result.output
