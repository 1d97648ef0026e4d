#!/usr/bin/env python3
"""tenantwatch drift against Evidently's DataDriftPreset on the same data: wall time, peak
memory (the child's maximum resident set, from wait4) and the verdict per column.

    .venv/bin/python benchmarks/drift.py                         # 1 000 000 rows x 50 columns per file
    .venv/bin/python benchmarks/drift.py --evidently-rows 200000 # Evidently on the first 200 000 rows only

The data (reference and current Parquet files, 30 float, 5 small-integer and 15 text columns;
18 floats and 6 text columns drift, 2 integers change too little, so 48 %: no dataset drift) is made with numpy once and kept in --dir. Evidently runs only
when its virtualenv exists (it needs pandas < 3, so it stays out of tenantwatch's dependencies):

    python3 -m venv /work/cache/evidently-venv && /work/cache/evidently-venv/bin/pip install evidently 'pandas<3'
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
EVIDENTLY_PYTHON = Path("/work/cache/evidently-venv/bin/python")
EVIDENTLY_METHODS = {"K-S p_value": "ks", "Wasserstein distance (normed)": "wasserstein", "chi-square p_value": "chisquare",
                     "Z-test p_value": "z", "Jensen-Shannon distance": "jensenshannon", "PSI": "psi"}
P_VALUE_METHODS = {"ks", "chisquare", "z"}


def make_table(rows: int, seed: int, drifted: bool) -> pa.Table:
    """30 floats (18 move by 0.3 standard deviations in the current file, 2 by 0.02, one with 5 %
    missing), 5 integers 0..5 (2 change shares a little), 15 text columns of 3 to 31 values (6 change shares)."""
    rng = np.random.default_rng(seed)
    columns = {}
    for i in range(30):
        shift = (0.3 if i < 18 else 0.02 if i < 20 else 0.0) if drifted else 0.0
        values = rng.normal(10 * i + shift * (1 + i), 1 + i, rows)
        mask = rng.random(rows) < 0.05 if i == 25 else None
        columns[f"num_{i:02d}"] = pa.array(values, mask=mask)
    for i in range(5):
        weights = np.linspace(1, 2 if drifted and i < 2 else 1.1, 6)
        columns[f"int_{i:02d}"] = pa.array(rng.choice(6, rows, p=weights / weights.sum()))
    for i in range(15):
        size = 3 + 2 * i
        weights = np.linspace(1, 4 if drifted and i < 6 else 1.2, size)
        labels = np.array([f"c{i}_{k}" for k in range(size)])
        columns[f"cat_{i:02d}"] = pa.array(labels[rng.choice(size, rows, p=weights / weights.sum())])
    return pa.table(columns)


def write_table(path: Path, rows: int, seed: int, drifted: bool) -> None:
    pq.write_table(make_table(rows, seed, drifted), path)


def write_head(path: Path, sample: Path, rows: int) -> None:
    pq.write_table(pq.read_table(path).slice(0, rows), sample)


def in_child(function, *args) -> None:
    """Run in a fresh process: a child started by this one inherits its peak resident set in
    the kernel's accounting, so this process must stay small for wait4's figure to be the child's."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(function, *args).result()


def dataset(directory: Path, rows: int) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / f"reference-{rows}.parquet", directory / f"current-{rows}.parquet"
    for path, seed, drifted in zip(paths, (1, 2), (False, True)):
        if not path.exists():
            in_child(write_table, path, rows, seed, drifted)
    return paths


def measured(argv: list[str]) -> tuple[float, float, str]:
    """(seconds, peak resident MB, stdout) of one child process; wait4 gives that child's own peak."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode not in (0, 1):
            raise RuntimeError(f"{argv[0]} {argv[1]} failed: {err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def run_tenantwatch(reference: Path, current: Path) -> tuple[float, float, dict]:
    seconds, peak, out = measured([sys.executable, "-m", "tenantwatch.cli", "drift", str(reference), str(current), "--format", "json"])
    return seconds, peak, json.loads(out)


def run_evidently(reference: Path, current: Path) -> tuple[float, float, dict]:
    seconds, peak, out = measured([str(EVIDENTLY_PYTHON), str(HERE / "drift_evidently.py"), str(reference), str(current)])
    return seconds, peak, json.loads(out)


def head(path: Path, rows: int) -> Path:
    sample = path.with_name(f"{path.stem}-head{rows}.parquet")
    if not sample.exists():
        in_child(write_head, path, sample, rows)
    return sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per file")
    parser.add_argument("--evidently-rows", type=int, default=None, help="rows per file given to Evidently (default: --rows; 0 skips it)")
    parser.add_argument("--dir", type=Path, default=Path("/work/cache/drift-bench"))
    args = parser.parse_args()
    console = Console(width=120)
    reference, current = dataset(args.dir, args.rows)
    timings = Table("tool", "rows per file", "columns", "time", "peak memory", title="tenantwatch drift vs Evidently DataDriftPreset")
    seconds, peak, ours = run_tenantwatch(reference, current)
    timings.add_row("tenantwatch drift", f"{args.rows:,}", "50", f"{seconds:.2f} s", f"{peak:,.0f} MB")
    evidently_rows = args.rows if args.evidently_rows is None else args.evidently_rows
    if evidently_rows and EVIDENTLY_PYTHON.exists():
        if evidently_rows < args.rows:
            reference, current = head(reference, evidently_rows), head(current, evidently_rows)
            seconds, peak, ours = run_tenantwatch(reference, current)
            timings.add_row("tenantwatch drift", f"{evidently_rows:,}", "50", f"{seconds:.2f} s", f"{peak:,.0f} MB")
        e_seconds, e_peak, theirs = run_evidently(reference, current)
        timings.add_row("Evidently DataDriftPreset", f"{evidently_rows:,}", "50", f"{e_seconds:.2f} s", f"{e_peak:,.0f} MB")
        console.print(timings)
        console.print(agreement(ours, theirs, evidently_rows))
    else:
        console.print(timings)
        console.print(f"Evidently not run ({EVIDENTLY_PYTHON} missing or --evidently-rows 0)")


def agreement(ours: dict, theirs: dict, rows: int) -> Table:
    features = {f["name"]: f for f in ours["features"]}
    agreed = 0
    table = Table("column", "method", "tenantwatch score", "Evidently score", "tenantwatch", "Evidently", "agree",
                  title=f"Verdict per column on {rows:,} rows per file")
    for name, their in theirs["columns"].items():
        our = features[name]
        method = EVIDENTLY_METHODS.get(their["method"], their["method"])
        score = our["p_value"] if our["method"] in P_VALUE_METHODS else our["statistic"]
        same = our["drift"] == their["drift"] and our["method"] == method
        agreed += same
        table.add_row(name, our["method"] if our["method"] == method else f"{our['method']} / {method}", f"{score:.6g}", f"{their['score']:.6g}",
                      "drift" if our["drift"] else "-", "drift" if their["drift"] else "-", "yes" if same else "[red]NO[/]")
    table.caption = (f"{agreed} of {len(theirs['columns'])} columns agree; dataset drift: tenantwatch "
                     f"{ours['dataset']['drift']}, Evidently {theirs['dataset_drift']}")
    return table


if __name__ == "__main__":
    main()
