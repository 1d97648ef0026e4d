"""Read a CSV or Parquet file into an Arrow table: compact columns (numbers as numeric buffers,
text as dictionary-encoded strings), never one Python object per row.

CSV is read with Arrow's streaming reader in blocks; it infers each column's type from the
first block, so a later block that does not fit (an int column with "1.5" further down) makes
the read start again with that column widened (int -> float -> string). Every failure is an
InputError whose message names the file (and the column where there is one)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as pq

PARQUET_MAGIC = b"PAR1"
BLOCK_SIZE = 16 << 20  # bytes of CSV per block: large enough to infer types from, small enough to stream
CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): CSV conversion error to (\w+)")
WIDER = {"int64": pa.float64(), "double": pa.string(), "bool": pa.string(), "null": pa.string()}


class InputError(Exception):
    """A file that cannot be compared; the message names the file and is meant for the user."""


def read_table(path: Path, encoding: str = "utf-8") -> pa.Table:
    """The whole file as one table (at least one row, unique non-empty column names)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a CSV or Parquet file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if not magic:
        raise InputError(f"{path}: the file is empty")
    table = _read_parquet(path) if magic == PARQUET_MAGIC else _read_csv(path, encoding)
    _check_shape(path, table)
    return table.unify_dictionaries()  # one dictionary per column: its indices are codes across blocks


def _read_parquet(path: Path) -> pa.Table:
    try:
        text = [field.name for field in pq.read_schema(path) if pa.types.is_string(field.type)]
        return pq.read_table(path, read_dictionary=text)  # 5x faster than decoding every string
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None


def _read_csv(path: Path, encoding: str) -> pa.Table:
    column_types: dict[str, pa.DataType] = {}
    while True:
        try:
            return _stream_csv(path, encoding, column_types)
        except pa.ArrowInvalid as exc:
            widened = _widen(path, exc, column_types)
            if widened is None:
                raise InputError(f"{path}: {_csv_problem(exc)}") from None
            column_types = widened


def _stream_csv(path: Path, encoding: str, column_types: dict[str, pa.DataType]) -> pa.Table:
    reader = csv.open_csv(
        path,
        read_options=csv.ReadOptions(block_size=BLOCK_SIZE, encoding=encoding),
        convert_options=csv.ConvertOptions(column_types=column_types, strings_can_be_null=True, auto_dict_encode=True,
                                           auto_dict_max_cardinality=1 << 16),
    )
    batches = list(reader)
    return pa.Table.from_batches(batches, schema=reader.schema)


def _widen(path: Path, exc: pa.ArrowInvalid, column_types: dict[str, pa.DataType]) -> dict[str, pa.DataType] | None:
    """The column types to retry with after a conversion error, or None when it was not one."""
    match = CONVERSION_ERROR.search(str(exc))
    if match is None or match.group(2) not in WIDER:
        return None
    names = _header(path)
    index = int(match.group(1))
    if index >= len(names):
        return None
    return {**column_types, names[index]: WIDER[match.group(2)]}


def _header(path: Path) -> list[str]:
    reader = csv.open_csv(path, read_options=csv.ReadOptions(block_size=1 << 20))
    return reader.schema.names


def _csv_problem(exc: pa.ArrowInvalid) -> str:
    """Arrow's message without the offending row's content (a data file may hold secrets)."""
    text = _first_line(exc)
    if text.startswith("Empty CSV file"):
        return "the file is empty"
    if "CSV parse error" in text:
        return "not a well-formed CSV file: " + re.sub(r"(got \d+).*", r"\1 (row content not shown)", text.split("CSV parse error: ")[-1])
    return text


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _check_shape(path: Path, table: pa.Table) -> None:
    names = table.column_names
    if not names:
        raise InputError(f"{path}: no columns")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: column names appear twice: {', '.join(duplicated)}")
    if table.num_rows == 0:
        raise InputError(f"{path}: no rows (a header alone)")
    for field in table.schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            raise InputError(f"{path}: column {field.name!r} is not UTF-8 text; give --encoding (e.g. latin-1)")
