"""One pass over the columns of both files: each column is turned into its two Samples once,
tested for drift and checked for quality, then dropped (two columns at a time, one per core:
numpy sorts and Arrow kernels run without the interpreter lock)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from tenantwatch.drift import quality
from tenantwatch.drift.columns import as_reference_kind, infer_kind, sample
from tenantwatch.drift.detection import DatasetDrift, FeatureDrift, Settings, dataset_verdict, test_feature
from tenantwatch.drift.performance import evaluate
from tenantwatch.drift.reading import InputError


@dataclass(frozen=True)
class Analysis:
    reference_rows: int
    current_rows: int
    dataset: DatasetDrift
    features: list[FeatureDrift]
    quality: dict[str, list[quality.Problem]]  # column (or quality.ROWS) -> problems, in column order
    performance: dict | None


def check_columns(reference_path: Path, reference: pa.Table, current_path: Path, current: pa.Table) -> None:
    only_ref = [n for n in reference.column_names if n not in set(current.column_names)]
    only_cur = [n for n in current.column_names if n not in set(reference.column_names)]
    if only_ref or only_cur:
        parts = [f"{path} alone has {', '.join(names)}" for path, names in ((reference_path, only_ref), (current_path, only_cur)) if names]
        raise InputError(f"the files' columns differ: {'; '.join(parts)}")


def _column(name: str, reference: pa.Table, current: pa.Table, settings: Settings) -> tuple[FeatureDrift | None, list[quality.Problem]]:
    ref_column, cur_column = reference[name], current[name]
    kind = infer_kind(ref_column)
    problems = quality.missing_values(quality.missing(ref_column), reference.num_rows,
                                      quality.missing(cur_column), current.num_rows)
    if kind == "text":
        return None, problems + quality.text_column(len(set(sample(ref_column, "categorical").keys)))
    cur_column, mismatched = as_reference_kind(cur_column, kind)
    problems += quality.type_mismatch(mismatched, kind)
    ref, cur = sample(ref_column, kind), sample(cur_column, kind)
    if not ref.n or not cur.n:
        return None, problems + quality.no_values("the reference" if not ref.n else "the current file")
    problems += quality.out_of_range(ref, cur) if kind == "numeric" else quality.new_categories(ref, cur)
    problems += quality.constant(ref, cur)
    return test_feature(name, kind, ref, cur, settings), problems


def analyse(reference: pa.Table, current: pa.Table, settings: Settings,
            target: str | None = None, prediction: str | None = None) -> Analysis:
    names = reference.column_names
    settings.check(set(names))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        duplicates = [pool.submit(quality.duplicates, table) for table in (reference, current)]
        results = list(pool.map(lambda name: _column(name, reference, current, settings), names))
        features = [feature for feature, _ in results if feature is not None]
        found = {name: problems for name, (_, problems) in zip(names, results)}
        found[quality.ROWS] = quality.duplicate_rows(*(d.result() for d in duplicates), reference.num_rows, current.num_rows)
    performance = None
    if target is not None and prediction is not None:
        performance = evaluate(reference, current, target, prediction)
        drifted = [f for f in features if f.name == prediction]
        performance["prediction_drift"] = drifted[0].drift if drifted else None
    return Analysis(reference.num_rows, current.num_rows, dataset_verdict(features, settings.drift_share),
                    features, found, performance)
