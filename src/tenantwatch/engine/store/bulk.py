"""Portable `INSERT ... ON CONFLICT DO NOTHING` in bulk, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenantwatch.engine.store.models import Base


def insert_ignore(session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, conflict: Sequence[str]) -> None:
    """Insert rows, skipping those whose `conflict` columns already exist.

    One cached statement executed for many parameter sets (SQLAlchemy batches them into
    multi-row INSERTs where the driver allows), on the table rather than the ORM entity, so a
    large batch costs little more than the rows themselves."""
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model.__table__).on_conflict_do_nothing(index_elements=list(conflict))
    session.connection().execute(statement, list(rows))
