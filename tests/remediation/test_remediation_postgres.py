"""cancel_slow_queries against a real PostgreSQL server: long queries die, short ones live."""

from __future__ import annotations

from typing import Iterator

import psycopg
import pytest
from slow_query import SlowQuery

from tenantwatch.remediation import ACTIONS
from tenantwatch.remediation.clients import POSTGRES

cancel = ACTIONS["cancel_slow_queries"]
pytestmark = pytest.mark.postgres


@pytest.fixture
def long_query(pg_dsn) -> Iterator[SlowQuery]:
    query = SlowQuery(pg_dsn, 60)
    query.wait_running_longer_than(pg_dsn, 0.5)
    yield query
    query.stop(pg_dsn)


def test_cancels_the_long_query_and_leaves_a_short_one_alone(pg_dsn, long_query):
    short = SlowQuery(pg_dsn, 1.5)
    short.wait_running_longer_than(pg_dsn, 0)
    try:
        outcome = cancel.execute(cancel.plan({"older_than": "500ms"}, "acme", {}), {POSTGRES: lambda tenant: pg_dsn})

        assert outcome.ok, outcome.detail
        assert long_query.finished.wait(5), "the long query was not cancelled"
        assert isinstance(long_query.error, psycopg.errors.QueryCanceled)
        assert long_query.pid in outcome.data["pids"]
        assert short.pid not in outcome.data["pids"]
        assert short.finished.wait(5) and short.error is None
        # the cancelled session itself survives: a cancel stops the query, not the connection
        assert long_query.conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        short.stop(pg_dsn)


def test_datname_filter_spares_queries_in_other_databases(pg_dsn, long_query):
    plan = cancel.plan({"older_than": "100ms", "datname": "postgres"}, "acme", {})
    outcome = cancel.execute(plan, {POSTGRES: lambda tenant: pg_dsn})
    assert outcome.ok and outcome.data["pids"] == []
    assert not long_query.finished.wait(0.3)

    plan = cancel.plan({"older_than": "100ms", "datname": "tenantwatch"}, "acme", {})
    assert long_query.pid in cancel.execute(plan, {POSTGRES: lambda tenant: pg_dsn}).data["pids"]
    assert long_query.finished.wait(5)


def test_terminate_ends_the_session(pg_dsn, long_query):
    outcome = cancel.execute(cancel.plan({"older_than": "100ms", "terminate": True}, "acme", {}),
                             {POSTGRES: lambda tenant: pg_dsn})
    assert outcome.ok and "terminated" in outcome.detail
    assert long_query.finished.wait(5)
    assert isinstance(long_query.error, psycopg.OperationalError)
    assert long_query.conn.closed or long_query.conn.broken


def test_unreachable_database_is_a_failed_outcome(port):
    dsn = f"postgresql://tw@127.0.0.1:{port}/tenantwatch"
    outcome = cancel.execute(cancel.plan({"older_than": "1m"}, "acme", {}), {POSTGRES: lambda tenant: dsn})
    assert not outcome.ok
    assert outcome.detail.startswith("cancel_slow_queries: OperationalError")
