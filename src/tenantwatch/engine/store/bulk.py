"""Portable `INSERT ... ON CONFLICT DO NOTHING` in bulk, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Row
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenantwatch.engine.store.models import Base

CHUNK = 500  # rows per statement: far below SQLite's bound-parameter limit


def insert_ignore(session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *,
                  conflict: Sequence[str], returning: Sequence[str] = ()) -> list[Row[Any]]:
    """Insert rows, skipping those whose `conflict` columns already exist; return the inserted
    rows' `returning` columns (only rows that were really inserted)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    out: list[Row[Any]] = []
    for start in range(0, len(rows), CHUNK):
        statement = insert(model).values(list(rows[start:start + CHUNK])).on_conflict_do_nothing(index_elements=list(conflict))
        if returning:
            out.extend(session.execute(statement.returning(*(getattr(model, c) for c in returning))).all())
        else:
            session.execute(statement)
    return out
