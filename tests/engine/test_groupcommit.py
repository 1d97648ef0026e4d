"""Group commit: concurrent writers share transactions, every caller's row is committed
when it returns, and a failing item fails only its own caller."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantwatch.engine.store import Store
from tenantwatch.engine.store.groupcommit import GroupCommit
from tenantwatch.engine.store.models import AuditEntry

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_concurrent_items_are_all_committed_and_a_bad_one_fails_alone(sqlite_store: Store) -> None:
    def work(session: Session, n: int) -> int:
        if n == 13:
            raise ValueError("unlucky")
        session.add(AuditEntry(at=NOW, who=f"w{n}", tenant=None, action="test", detail={"n": n}))
        session.flush()
        return n * 2

    group = GroupCommit(sqlite_store, work)

    def submit(n: int) -> int | str:
        try:
            return group.submit(n)
        except ValueError as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(submit, range(40)))
    assert results == [n * 2 if n != 13 else "unlucky" for n in range(40)]
    with sqlite_store.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 39
        assert "w13" not in set(session.scalars(select(AuditEntry.who)))


def test_an_error_reaches_the_caller(sqlite_store: Store) -> None:
    group = GroupCommit(sqlite_store, lambda session, item: 1 / item)
    with pytest.raises(ZeroDivisionError):
        group.submit(0)
    assert group.submit(4) == 0.25
