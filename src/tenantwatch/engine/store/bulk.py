"""Portable bulk `INSERT` (optionally `ON CONFLICT DO NOTHING`), on SQLite and PostgreSQL.

The statement is compiled once per table, columns and dialect; each row is then converted
with the columns' own bind processors (JSON, UTC datetimes) and the whole batch handed to the
driver's `executemany`. That skips SQLAlchemy's per-row parameter assembly, which cost more
than the database itself did for the intake's batches of alerts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Sequence

from sqlalchemy import Dialect, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenantwatch.engine.store.models import Base

Processor = Callable[[Any], Any] | None


@lru_cache(maxsize=64)
def _compiled(table: Table, columns: tuple[str, ...], conflict: tuple[str, ...],
              dialect: Dialect) -> tuple[str, tuple[str, ...], tuple[Processor, ...], bool]:
    """SQL text, parameter order, one bind processor per parameter, and whether it is positional."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(conflict)) if conflict else insert(table)
    compiled = statement.compile(dialect=dialect, column_keys=list(columns), for_executemany=True)
    order = tuple(compiled.positiontup or ()) if compiled.positional else tuple(columns)
    processors = tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order)
    return compiled.string, order, processors, compiled.positional


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, conflict: Sequence[str] = ()) -> None:
    """Insert rows (all with the same keys); with `conflict`, rows whose conflict columns
    already exist are skipped. Pending ORM changes are not flushed first (the commit does)."""
    if not rows:
        return
    connection = session.connection()
    table: Table = model.__table__  # type: ignore[assignment]
    sql, order, processors, positional = _compiled(table, tuple(rows[0]), tuple(conflict), connection.dialect)
    columns = [_converted([row[name] for row in rows], process) for name, process in zip(order, processors)]
    values = list(zip(*columns))
    connection.exec_driver_sql(sql, values if positional else [dict(zip(order, row)) for row in values])


def _converted(values: list[Any], process: Processor) -> list[Any]:
    """One column of the batch through its bind processor, each distinct value once where the
    values are hashable: a webhook's rows share their received time and mostly their start."""
    if process is None:
        return values
    try:
        distinct = {value: process(value) for value in set(values)}
    except TypeError:  # dicts and lists (JSON columns)
        return list(map(process, values))
    return [distinct[value] for value in values]
