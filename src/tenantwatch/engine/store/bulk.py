"""Portable `INSERT ... ON CONFLICT DO NOTHING` in bulk, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Row
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenantwatch.engine.store.models import Base

def insert_ignore(session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *,
                  conflict: Sequence[str], returning: Sequence[str] = ()) -> list[Row[Any]]:
    """Insert rows, skipping those whose `conflict` columns already exist; return the inserted
    rows' `returning` columns (only rows that were really inserted).

    One cached statement executed for many parameter sets (SQLAlchemy batches them into
    multi-row INSERTs, "insertmanyvalues"), on the table rather than the ORM entity, so a
    large batch costs little more than the rows themselves."""
    if not rows:
        return []
    table = model.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    connection = session.connection()
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
        return list(connection.execute(statement, list(rows)).all())
    connection.execute(statement, list(rows))
    return []
