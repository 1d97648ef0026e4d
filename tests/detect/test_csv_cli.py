"""`tenantwatch detect --csv` and `detect backtest`: scores, and bad input without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app

from .helpers import DAY, seasonal, timestamps, write_csv

SPIKE = 6 * DAY + 40


def _run(*args: str):
    return CliRunner().invoke(app, ["detect", *args])


@pytest.fixture
def spiky_csv(tmp_path: Path) -> Path:
    values = seasonal(days=8)
    values[SPIKE] += 80
    path = tmp_path / "rps.csv"
    write_csv(path, values)
    return path


def test_csv_scores_are_written_and_the_spike_is_listed(spiky_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = _run("--csv", str(spiky_csv), "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    stamp = timestamps(8 * DAY)[SPIKE].strftime("%Y-%m-%d %H:%M:%S")
    assert stamp in [a["timestamp"] for a in report["anomalies"]]
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["timestamp", "value", "anomaly_score"] and len(scores) == 8 * DAY
    assert scores["anomaly_score"].idxmax() == SPIKE


def test_text_output_is_a_table(spiky_csv: Path) -> None:
    result = _run("--csv", str(spiky_csv), "--detector", "robust")
    assert result.exit_code == 0, result.output
    assert "anomalies in 2304 rows" in result.output


@pytest.mark.parametrize("content, message", [
    ("timestamp,value\n2024-01-01 00:10:00,1\n2024-01-01 00:05:00,2\n", ":3: timestamp 2024-01-01 00:05:00 is before the row above"),
    ("timestamp,value\n2024-01-01 00:00:00,1\nnot-a-date,2\n", ":3: timestamp 'not-a-date' is not a date"),
    ("timestamp,value\n2024-01-01 00:00:00,abc\n", ":2: value 'abc' is not a number"),
    ("time,v\n2024-01-01,1\n", "missing column(s) timestamp, value"),
    ("timestamp,value\n", "no rows"),
    ("", "cannot read CSV"),
])
def test_bad_csv_is_a_path_qualified_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = _run("--csv", str(path))
    assert result.exit_code == 2
    assert message in result.output and str(path) in result.output
    assert "Traceback" not in result.output


def test_missing_file_and_unknown_detector_are_usage_errors(tmp_path: Path, spiky_csv: Path) -> None:
    assert _run("--csv", str(tmp_path / "nope.csv")).exit_code == 2
    result = _run("--csv", str(spiky_csv), "--detector", "magic")
    assert result.exit_code == 2 and "unknown detector 'magic'" in result.output
    assert _run().exit_code == 2


def test_nan_gaps_and_constant_series_are_documented_not_errors(tmp_path: Path) -> None:
    values = np.full(3 * DAY, 5.0)
    values[10] = np.nan
    stamps = timestamps(3 * DAY + 20).delete(range(100, 120))
    path = tmp_path / "flat.csv"
    write_csv(path, values, stamps)
    result = _run("--csv", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["anomalies"] == []
    notes = " ".join(report["notes"])
    assert "1 missing/NaN value(s)" in notes and "constant" in notes and "1 gap(s)" in notes


def test_backtest_reports_precision_recall_and_delay(spiky_csv: Path, tmp_path: Path) -> None:
    stamps = timestamps(8 * DAY)
    labels = tmp_path / "windows.json"
    labels.write_text(json.dumps({"x/rps.csv": [[str(stamps[SPIKE - 10]), str(stamps[SPIKE + 10])]]}))
    result = CliRunner().invoke(app, ["detect", "backtest", "--csv", str(spiky_csv), "--labels", str(labels), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["recall"] == 1.0 and report["precision"] == 1.0
    assert report["median_delay_seconds"] == 10 * 300


def test_backtest_with_labels_for_another_file_is_an_error(spiky_csv: Path, tmp_path: Path) -> None:
    labels = tmp_path / "windows.json"
    labels.write_text(json.dumps({"other.csv": []}))
    result = CliRunner().invoke(app, ["detect", "backtest", "--csv", str(spiky_csv), "--labels", str(labels)])
    assert result.exit_code == 2 and "no windows for rps.csv" in result.output


def test_corrupt_state_file_is_refused_before_anything_runs(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json")
    result = _run("--prometheus", "http://127.0.0.1:9", "--query", "up", "--once", "--state", str(state))
    assert result.exit_code == 2
    assert f"--state {state}: cannot load saved detector state" in result.output
    assert state.read_text() == "{not json"  # left as it was


def test_unwritable_output_is_an_error_not_a_traceback(spiky_csv: Path, tmp_path: Path) -> None:
    result = _run("--csv", str(spiky_csv), "--out", str(tmp_path / "missing-dir" / "scores.csv"))
    assert result.exit_code == 1 and "cannot write" in result.output
