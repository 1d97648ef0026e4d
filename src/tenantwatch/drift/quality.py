"""Data quality of the current file against the reference: per column, missing values beyond
the reference's share, values of the wrong type, numbers outside the reference's range,
categories the reference never had, a column stuck on one value; for the rows, duplicates
beyond the reference's share. A column without problems is fine."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tenantwatch.drift.columns import Sample, as_text

ROWS = "(rows)"  # the quality entry for problems of whole rows
SHOWN_CATEGORIES = 5
OUT_OF_RANGE_FLOOR = 0.001  # share of values outside the reference's range tolerated whatever the size


@dataclass(frozen=True)
class Problem:
    check: str  # missing_values, type_mismatch, out_of_range, new_categories, constant, no_values, text_column, duplicate_rows
    count: int
    message: str

    def to_json(self) -> dict:
        return asdict(self)


def missing(column: pa.ChunkedArray) -> int:
    """Nulls, and NaN in float columns (pandas would call both missing)."""
    nans = 0
    if pa.types.is_floating(column.type):
        nans = int(pc.sum(pc.is_nan(column)).as_py() or 0)
    return column.null_count + nans


def _share(count: int, rows: int) -> str:
    return f"{100 * count / rows:.2f} %"


def missing_values(ref_missing: int, ref_rows: int, cur_missing: int, cur_rows: int) -> list[Problem]:
    if cur_missing / cur_rows <= ref_missing / ref_rows:
        return []
    return [Problem("missing_values", cur_missing,
                    f"{cur_missing} missing values ({_share(cur_missing, cur_rows)}; reference {_share(ref_missing, ref_rows)})")]


def type_mismatch(mismatched: int, kind: str) -> list[Problem]:
    if not mismatched:
        return []
    return [Problem("type_mismatch", mismatched, f"{mismatched} values are not {kind} as in the reference (counted as missing)")]


def out_of_range(reference: Sample, current: Sample) -> list[Problem]:
    """Current values outside the reference's [min, max]. Two samples of one distribution put
    about 2/(n+1) of the current values outside by chance, so only more than twice that
    (and more than 0.1 %) is a problem."""
    if not reference.n or not current.n:
        return []
    low, high = reference.values[0], reference.values[-1]
    below = int(np.searchsorted(current.values, low, side="left"))
    above = current.n - int(np.searchsorted(current.values, high, side="right"))
    outside = below + above
    if outside / current.n <= max(OUT_OF_RANGE_FLOOR, 4 / (reference.n + 1)):
        return []
    return [Problem("out_of_range", outside,
                    f"{outside} values ({_share(outside, current.n)}) outside the reference's range [{low:g}, {high:g}]")]


def new_categories(reference: Sample, current: Sample) -> list[Problem]:
    known = set(reference.keys)
    new = {k: int(c) for k, c in zip(current.keys, current.counts) if k not in known}
    if not new:
        return []
    shown = sorted(new, key=lambda k: -new[k])[:SHOWN_CATEGORIES]
    more = f" and {len(new) - len(shown)} more" if len(new) > len(shown) else ""
    rows = sum(new.values())
    return [Problem("new_categories", rows,
                    f"{len(new)} values the reference never had, in {rows} rows: {', '.join(map(repr, shown))}{more}")]


def constant(reference: Sample, current: Sample) -> list[Problem]:
    if len(current.keys) != 1:
        return []
    was = "as in the reference" if len(reference.keys) == 1 else f"the reference had {len(reference.keys)} values"
    value = current.keys[0]
    shown = repr(value) if isinstance(value, str) else f"{value:g}"
    return [Problem("constant", current.n, f"every value is {shown} ({was})")]


def no_values(which: str) -> list[Problem]:
    return [Problem("no_values", 0, f"no values in {which} (all missing): not tested for drift")]


def text_column(distinct: int) -> list[Problem]:
    return [Problem("text_column", distinct,
                    f"{distinct} distinct values, more than half the rows (an identifier or free text): not tested for drift")]


def row_hashes(table: pa.Table) -> np.ndarray:
    """One 64-bit hash per row from every column's values (floats by bit pattern, text by its
    code in the column's distinct values): equal rows hash equal, without a Python object per row."""
    hashes = np.zeros(table.num_rows, dtype=np.uint64)
    for column in table.columns:
        if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
            codes = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).view(np.uint64)  # nulls: one NaN
        elif pa.types.is_dictionary(column.type):  # unified by reading: the indices are codes
            indices = pa.chunked_array([chunk.indices for chunk in column.chunks], column.type.index_type)
            codes = pc.fill_null(pc.cast(indices, pa.int64()), -1).to_numpy().view(np.uint64)
        else:
            text = as_text(column)
            codes = pc.fill_null(pc.index_in(text, value_set=pc.unique(text).drop_null()), -1).to_numpy().astype(np.uint64)
        hashes ^= codes
        hashes *= np.uint64(0x100000001B3)
        hashes += np.uint64(0x9E3779B97F4A7C15)
    return hashes


def duplicates(table: pa.Table) -> int:
    """Rows equal to an earlier row (np.unique's hash table is 30x slower than a sort here)."""
    hashes = np.sort(row_hashes(table))
    return int(np.count_nonzero(hashes[1:] == hashes[:-1]))


def duplicate_rows(ref: int, cur: int, ref_rows: int, cur_rows: int) -> list[Problem]:
    """A problem when the current file's share of repeated rows is above the reference's."""
    if cur / cur_rows <= ref / ref_rows:
        return []
    return [Problem("duplicate_rows", cur, f"{cur} rows repeat an earlier row ({_share(cur, cur_rows)}; reference {_share(ref, ref_rows)})")]
