"""Data sets made with numpy and written as real CSV/Parquet files for the drift tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as pq


def frame(rows: int, seed: int, shift: float = 0.0, mix: tuple[float, float, float] = (0.5, 0.3, 0.2)) -> pa.Table:
    """A numeric feature (normal, moved by `shift`), a three-valued text feature with shares
    `mix`, a binary integer label and a score that predicts it (accuracy 5/7 at 0.5, ROC AUC 0.837)."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, rows)
    return pa.table({
        "amount": rng.normal(100 + shift * 15, 15, rows),
        "plan": rng.choice(["free", "pro", "team"], rows, p=list(mix)),
        "label": label,
        "score": 0.3 * label + rng.random(rows) * 0.7,
    })


def write(table: pa.Table, path: Path) -> Path:
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        csv.write_csv(table, path)
    return path
