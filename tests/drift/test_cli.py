"""`tenantwatch drift` as a user runs it: verdicts and exit codes, the JSON contract, quality
problems, model performance, the HTML report, metrics files, and bad input without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from tenantwatch.cli import app

from .data import frame, write


def run(*args: object):
    return CliRunner().invoke(app, ["drift", *map(str, args)])


def report(*args: object) -> tuple[int, dict]:
    result = run(*args, "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return write(frame(5000, seed=1), tmp_path / "reference.parquet")


def test_same_distribution_is_no_drift_and_exits_0(tmp_path, reference):
    current = write(frame(4000, seed=2), tmp_path / "current.csv")
    code, doc = report(reference, current)
    assert code == 0
    assert doc["dataset"] == {"drift": False, "drifted_share": 0.0, "rows": {"reference": 5000, "current": 4000}}
    assert {f["name"]: f["method"] for f in doc["features"]} == {
        "amount": "wasserstein", "plan": "jensenshannon", "label": "jensenshannon", "score": "wasserstein"}


def test_drifted_features_make_dataset_drift_and_exit_1(tmp_path, reference):
    current = write(frame(4000, seed=2, shift=1.0, mix=(0.2, 0.3, 0.5)), tmp_path / "current.parquet")
    code, doc = report(reference, current)
    assert code == 1
    drifted = {f["name"] for f in doc["features"] if f["drift"]}
    assert drifted == {"amount", "plan"}
    assert doc["dataset"]["drift"] is True and doc["dataset"]["drifted_share"] == 0.5


def test_json_follows_the_contract(tmp_path, reference):
    current = write(frame(800, seed=3, shift=0.5), tmp_path / "current.csv")
    small_reference = write(frame(900, seed=4), tmp_path / "small.csv")
    _, doc = report(small_reference, current, "--target", "label", "--prediction", "score")
    assert set(doc) == {"dataset", "features", "quality", "performance"}
    for feature in doc["features"]:
        assert {"name", "kind", "method", "statistic", "p_value", "threshold", "drift"} <= set(feature)
        assert feature["kind"] in ("numeric", "categorical")
        assert isinstance(feature["drift"], bool)
    amount = next(f for f in doc["features"] if f["name"] == "amount")
    assert amount["method"] == "ks" and 0 <= amount["statistic"] <= 1 and amount["p_value"] < 0.05 and amount["drift"]
    label = next(f for f in doc["features"] if f["name"] == "label")
    assert label["method"] == "z" and label["kind"] == "categorical"
    assert [q["name"] for q in doc["quality"]] == ["amount", "plan", "label", "score", "(rows)"]
    performance = doc["performance"]
    assert performance["task"] == "classification"
    assert performance["current"]["accuracy"] == pytest.approx(5 / 7, abs=0.04)
    assert performance["current"]["roc_auc"] == pytest.approx(1 - (4 / 7) ** 2 / 2, abs=0.04)
    assert performance["prediction_drift"] is False


def test_regression_performance(tmp_path):
    rng = np.random.default_rng(5)
    y = rng.uniform(10, 20, 2000)
    table = pa.table({"x": rng.normal(0, 1, 2000), "y": y, "pred": y + 1.0})
    ref = write(table, tmp_path / "ref.parquet")
    _, doc = report(ref, ref, "--target", "y", "--prediction", "pred")
    current = doc["performance"]["current"]
    assert doc["performance"]["task"] == "regression"
    assert current["mae"] == pytest.approx(1.0) and current["rmse"] == pytest.approx(1.0)
    assert current["mape"] == pytest.approx(np.mean(1.0 / y) * 100)


def test_quality_problems_are_named_per_column(tmp_path, reference):
    table = frame(3000, seed=6)
    amount = table["amount"].to_numpy().astype(object)
    amount[:30] = None
    amount[30:60] = 10_000.0
    plan = table["plan"].to_numpy().astype(object)
    plan[:50] = "enterprise"
    current = tmp_path / "current.csv"
    rows = pa.table({"amount": pa.array(amount, pa.float64()), "plan": pa.array(plan, pa.string()),
                     "label": pa.array(np.ones(3000, dtype=np.int64)), "score": table["score"]})
    rows = pa.concat_tables([rows, rows.slice(1000, 100)])  # 100 duplicate rows
    write(rows, current)
    _, doc = report(reference, current)
    checks = {q["name"]: {p["check"] for p in q["problems"]} for q in doc["quality"]}
    assert checks["amount"] == {"missing_values", "out_of_range"}
    assert checks["plan"] == {"new_categories"}
    assert checks["label"] == {"constant"}
    assert checks["score"] == set()
    assert checks["(rows)"] == {"duplicate_rows"}
    plan = next(q for q in doc["quality"] if q["name"] == "plan")["problems"][0]
    assert "'enterprise'" in plan["message"] and plan["count"] == 50


def test_text_in_a_numeric_column_is_a_type_mismatch_not_a_crash(tmp_path, reference):
    ref = tmp_path / "ref.csv"
    ref.write_text("amount,plan\n" + "".join(f"{i % 97}.5,free\n" for i in range(2000)))
    cur = tmp_path / "cur.csv"
    cur.write_text("amount,plan\n" + "".join(f"{i % 97}.5,free\n" for i in range(1990)) + "oops,free\n" * 10)
    code, doc = report(ref, cur)
    problems = next(q for q in doc["quality"] if q["name"] == "amount")["problems"]
    assert {"check": "type_mismatch", "count": 10} == {k: problems[-1][k] for k in ("check", "count")}


def test_a_late_float_in_an_integer_csv_column_widens_it(tmp_path):
    body = "".join(f"{i % 50}\n" for i in range(600_000)) + "2.5\n"
    path = tmp_path / "late.csv"
    path.write_text("n\n" + body)
    code, doc = report(path, path)
    assert code == 0 and doc["features"][0]["kind"] == "numeric"


def test_method_and_threshold_overrides(tmp_path, reference):
    current = write(frame(4000, seed=2, shift=0.2), tmp_path / "current.parquet")
    _, doc = report(reference, current, "--method", "amount=psi", "--method", "plan=chisquare", "--threshold", "amount=0.5")
    features = {f["name"]: f for f in doc["features"]}
    assert features["amount"]["method"] == "psi" and features["amount"]["threshold"] == 0.5
    assert features["amount"]["p_value"] is None
    assert features["plan"]["method"] == "chisquare" and features["plan"]["threshold"] == 0.05


def test_html_report_plots_each_drifted_feature(tmp_path, reference):
    current = write(frame(4000, seed=2, shift=1.0, mix=(0.2, 0.3, 0.5)), tmp_path / "current.parquet")
    out = tmp_path / "drift.html"
    result = run(reference, current, "--format", "html", "--out", out)
    assert result.exit_code == 1 and result.stdout == ""
    page = out.read_text()
    assert page.count("<svg") == 2 and "amount: wasserstein" in page and "plan: jensenshannon" in page and "Dataset drift" in page


def test_text_report_names_the_verdict(tmp_path, reference):
    result = run(reference, reference)
    assert result.exit_code == 0
    assert "no drift: 0 of 4 features drifted" in result.stdout


def test_textfile_metrics_parse_as_prometheus_exposition(tmp_path, reference):
    current = write(frame(4000, seed=2, shift=1.0, mix=(0.2, 0.3, 0.5)), tmp_path / "current.parquet")
    prom = tmp_path / "churn.prom"
    result = run(reference, current, "--target", "label", "--prediction", "score", "--model", "churn",
                 "--tenant", "acme", "--service", "scorer", "--textfile", prom)
    assert result.exit_code == 1, result.output
    families = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    drift = {s.labels["feature"]: s for s in families["model_drift_score"].samples}
    assert set(drift) == {"amount", "plan", "label", "score"}
    assert drift["amount"].labels == {"tenant": "acme", "service": "scorer", "model": "churn", "feature": "amount"}
    assert drift["amount"].value > 0.25 > 0.01 > drift["label"].value
    (accuracy,) = families["model_accuracy"].samples
    assert accuracy.labels["model"] == "churn" and 0.7 < accuracy.value < 0.8


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"amount,plan\n", "no rows"),
    (b"amount,plan\n1,2\n3\n", "not a well-formed CSV file"),
    (b"amount,plan,label,score\n1.5,caf\xe9,1,0.5\n", "is not UTF-8 text; give --encoding"),
])
def test_bad_input_is_one_line_naming_the_file_and_exit_2(tmp_path, reference, content, expected):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result = run(reference, bad)
    assert result.exit_code == 2
    assert f"{bad}: " in result.stderr and expected in result.stderr
    assert "Traceback" not in result.output


def test_other_encodings_are_read_with_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"city,n\n" + b"Z\xfcrich,1.5\nM\xfcnchen,2.5\n" * 600)
    code, doc = report(path, path, "--encoding", "latin-1")
    assert code == 0 and doc["features"][0]["name"] == "city"


def test_missing_file_and_mismatched_columns(tmp_path, reference):
    result = run(reference, tmp_path / "nope.csv")
    assert result.exit_code == 2 and f"{tmp_path / 'nope.csv'}: no such file" in result.stderr
    other = write(pa.table({"amount": [1.0, 2.0], "region": ["eu", "us"]}), tmp_path / "other.parquet")
    result = run(reference, other)
    assert result.exit_code == 2
    assert f"{reference} alone has plan, label, score" in result.stderr and f"{other} alone has region" in result.stderr


@pytest.mark.parametrize("args, expected", [
    (["--method", "amount=magic"], "unknown method"),
    (["--method", "plan=ks"], "ks does not apply to the categorical column 'plan'"),
    (["--threshold", "nosuch=0.1"], "no column named nosuch"),
    (["--target", "label"], "--target and --prediction go together"),
    (["--format", "pdf"], "--format pdf"),
])
def test_bad_options_exit_2(reference, args, expected):
    result = run(reference, reference, *args)
    assert result.exit_code == 2 and expected in result.stderr


def test_column_names_are_shown_as_written(tmp_path):
    """A name that looks like terminal markup is printed as is."""
    path = write(pa.table({"[bold]x[/]": np.arange(2000, dtype=float)}), tmp_path / "odd.parquet")
    assert "[bold]x[/]" in run(path, path).stdout
