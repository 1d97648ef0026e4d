"""Loading series from CSV files and NAB-layout corpora (category folders + labels/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tenantwatch.detect.nab import LabelledFile, window_indices


class SeriesError(ValueError):
    """A series that cannot be scored; the message names the file and the row."""


@dataclass(frozen=True)
class Series:
    name: str
    timestamps: pd.DatetimeIndex
    values: np.ndarray  # float64, NaN where a value is missing

    @property
    def step_seconds(self) -> float:
        """The typical sampling step (median spacing), so seasonal lags survive a few gaps."""
        if len(self.timestamps) < 2:
            return 60.0
        diffs = np.diff(self.timestamps.asi8) / 1e9
        return float(np.median(diffs))


def read_csv(path: Path, name: str | None = None, *, strict_order: bool = True) -> Series:
    """Read a `timestamp,value` CSV; refuse what would make scores meaningless.

    Rows are scored in file order. Repeated timestamps are kept as consecutive samples; a
    timestamp that goes back is an error unless `strict_order` is off (NAB's files carry
    a few clock steps, and NAB scores them row by row)."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SeriesError(f"{path}: cannot read CSV: {exc}") from None
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise SeriesError(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected a header timestamp,value")
    if frame.empty:
        raise SeriesError(f"{path}: no rows")
    stamps = pd.to_datetime(frame["timestamp"], errors="coerce", utc=False)
    bad = stamps.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise SeriesError(f"{path}:{row}: timestamp {frame['timestamp'].iloc[row - 2]!r} is not a date")
    index = pd.DatetimeIndex(stamps).as_unit("ns")
    backwards = np.flatnonzero(np.diff(index.asi8) < 0)
    if strict_order and len(backwards):
        row = int(backwards[0]) + 3
        raise SeriesError(f"{path}:{row}: timestamp {frame['timestamp'].iloc[row - 2]} is before the row above; "
                          "sort the file by timestamp")
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float, copy=True)
    text_values = frame["value"].notna().to_numpy() & np.isnan(values)
    if text_values.any():
        row = int(np.flatnonzero(text_values)[0]) + 2
        raise SeriesError(f"{path}:{row}: value {frame['value'].iloc[row - 2]!r} is not a number")
    values[~np.isfinite(values)] = np.nan
    return Series(name or path.stem, index, values)


@dataclass(frozen=True)
class CorpusFile:
    series: Series
    labels: LabelledFile
    category: str


LABELS_NAME = "combined_windows.json"


def load_nab(root: Path, labels: Path | None = None) -> list[CorpusFile]:
    """Every `<category>/<name>.csv` that NAB's windows file lists, in either layout: this
    subset's (root/<category>/, root/labels/) or NAB's repository (root/data/<category>/ and
    root/labels/, or root = the repository's data/ folder with labels/ beside it)."""
    labels_path = labels or _find_labels(root)
    try:
        windows = json.loads(labels_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SeriesError(f"{labels_path}: cannot read NAB windows: {exc}") from None
    if not isinstance(windows, dict):
        raise SeriesError(f"{labels_path}: expected an object of file -> windows, as NAB's {LABELS_NAME}")
    files = []
    for relative in sorted(windows):
        path = next((folder / relative for folder in (root, root / "data") if (folder / relative).is_file()), None)
        if path is None:
            continue
        series = read_csv(path, name=relative, strict_order=False)
        labelled = LabelledFile(relative, series.timestamps, window_indices(series.timestamps, windows[relative]))
        files.append(CorpusFile(series, labelled, Path(relative).parent.name))
    if not files:
        raise SeriesError(f"{root}: no CSV listed in {labels_path} was found (looked in {root} and {root / 'data'})")
    return files


def _find_labels(root: Path) -> Path:
    candidates = [root / "labels" / LABELS_NAME, root.parent / "labels" / LABELS_NAME]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise SeriesError(f"{root}: no NAB windows file; looked for {' and '.join(map(str, candidates))} "
                          "(pass --labels FILE to name it)")
    return found
