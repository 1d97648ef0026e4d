"""Run inside a virtualenv with Evidently (pandas < 3): Evidently's DataDriftPreset on two
Parquet files, printing {"columns": {name: {"drift", "method", "score"}}, "dataset_drift"}
as JSON. benchmarks/drift.py starts it as a child process to time it and read its memory."""

import json
import sys

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def main(reference_path: str, current_path: str) -> None:
    reference, current = pd.read_parquet(reference_path), pd.read_parquet(current_path)
    snapshot = Report([DataDriftPreset()], include_tests=True).run(current, reference).dict()
    columns = {}
    for metric in snapshot["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            columns[config["column"]] = {"method": config.get("method"), "score": metric["value"]}
    prefix = "Value Drift for column "
    for test in snapshot["tests"]:
        if test["name"].startswith(prefix):
            columns[test["name"][len(prefix):]]["drift"] = test["status"] == "FAIL"
    drifted = sum(c["drift"] for c in columns.values())
    print(json.dumps({"columns": columns, "dataset_drift": drifted / len(columns) >= 0.5}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
