"""The schema inferred from the reference (which columns are numeric, which categorical) and
each column as a Sample: its values with missing and infinite ones dropped, as the tests see them.

Kinds follow Evidently's inference so that the default tests agree with it: floats are
numeric; integers are categorical when the column has no missing value and at most 10
distinct values (pandas would read a column with gaps as float); booleans and strings are
categorical, except strings with more distinct values than half the rows (identifiers,
free text), which are left out of drift as text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Kind = Literal["numeric", "categorical", "text"]
INTEGER_CARDINALITY_LIMIT = 10


@dataclass(frozen=True)
class Sample:
    """One column of one file without its missing values. `values` (numeric only) is sorted;
    `keys`/`counts` are the distinct values (an array for numeric columns, a list of text
    otherwise) and how often each occurs."""

    values: np.ndarray | None
    keys: np.ndarray | list
    counts: np.ndarray

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def histogram(self, edges: np.ndarray) -> np.ndarray:
        """np.histogram(values, edges)[0] (bins closed on the left, the last on both sides),
        by binary search in the sorted values instead of a pass over them."""
        positions = np.searchsorted(self.values, edges, side="left")
        positions[-1] = np.searchsorted(self.values, edges[-1], side="right")
        return np.diff(positions)


def plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-encoded column (CSV text, pandas categoricals) as its values."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    column = plain(column)
    return column if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) else pc.cast(column, pa.string())


def is_numeric_type(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)


def infer_kind(column: pa.ChunkedArray) -> Kind:
    """The kind of a reference column (see the module's docstring)."""
    column = plain(column)
    kind = column.type
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "numeric"
    if pa.types.is_integer(kind):
        few = column.null_count == 0 and pc.count_distinct(column).as_py() <= INTEGER_CARDINALITY_LIMIT
        return "categorical" if few else "numeric"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        present = len(column) - column.null_count
        return "text" if pc.count_distinct(column).as_py() > present * 0.5 else "categorical"
    return "categorical"


def numeric_sample(column: pa.ChunkedArray) -> Sample:
    """Finite values as sorted float64, and their distinct values with counts."""
    values = pc.cast(plain(column), pa.float64()).to_numpy(zero_copy_only=False)
    values = np.sort(values[np.isfinite(values)])
    if values.size == 0:
        return Sample(values, values, np.zeros(0, dtype=np.int64))
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    counts = np.diff(np.append(starts, values.size))
    return Sample(values, values[starts], counts)


def categorical_sample(column: pa.ChunkedArray) -> Sample:
    """Distinct non-missing values (as text, so "1" in one file and 1 in the other agree) with counts."""
    counted = pc.value_counts(as_text(column).drop_null())
    return Sample(None, counted.field("values").to_pylist(), counted.field("counts").to_numpy().astype(np.int64))


def sample(column: pa.ChunkedArray, kind: Kind) -> Sample:
    return numeric_sample(column) if kind == "numeric" else categorical_sample(column)


NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def as_reference_kind(column: pa.ChunkedArray, kind: Kind) -> tuple[pa.ChunkedArray, int]:
    """A current column in the reference's kind, and how many of its values did not fit it
    (text where the reference has numbers); those count as missing for the tests."""
    if kind != "numeric" or is_numeric_type(plain(column).type):
        return column, 0
    text = pc.utf8_trim_whitespace(as_text(column))
    fits = pc.match_substring_regex(text, NUMBER)
    mismatched = int(pc.sum(pc.invert(fits)).as_py() or 0)
    numbers = pc.cast(pc.if_else(fits, text, pa.scalar(None, pa.string())), pa.float64())
    return numbers, mismatched
