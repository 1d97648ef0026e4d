"""The store on both SQLite and the real PostgreSQL: migrations, bulk idempotent intake,
keys stored hashed, retention."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from tenantwatch.engine.auth import hash_token, verify_key
from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store, StoreError, open_store
from tenantwatch.engine.store.db import ALEMBIC_DIR
from tenantwatch.engine.store.history import StoreHistory
from tenantwatch.engine.store.models import Alert, ApiKey, AuditEntry, Incident
from tenantwatch.engine.store.retention import purge
from tests.engine.conftest import T0, alert, build_engine, make_spec


def shipped_head() -> str:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_are_idempotent_and_at_head(db_url: str, store: Store) -> None:
    again = open_store(db_url)
    with again.read() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == shipped_head()
    again.close()
    assert store.ping()


def test_bulk_intake_is_idempotent_and_keeps_times_in_utc(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    alerts = [alert(service="jobs", name=f"Q{n}", fingerprint=f"fp{n}") for n in range(1200)]
    assert engine.post(alerts).json()["new"] == 1200
    assert engine.post(alerts).json()["new"] == 0
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1200
        first = session.scalars(select(Alert).order_by(Alert.id)).first()
        assert first.starts_at == T0 and first.starts_at.tzinfo is not None
        assert session.scalar(select(func.count()).select_from(Incident)) == 1  # one service, one window


def test_tenants_are_part_of_the_alert_identity(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    same = "shared-fingerprint"
    assert engine.post([alert(tenant="acme", fingerprint=same)]).json()["new"] == 1
    assert engine.post([alert(tenant="globex", fingerprint=same)]).json()["new"] == 1
    assert sorted(i["tenant"] for i in engine.incidents()) == ["acme", "globex"]


def test_keys_are_stored_hashed_and_verified(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    token = engine.keys["acme"]
    with store.read() as session:
        stored = session.scalars(select(ApiKey.key_hash)).all()
    assert token not in stored and hash_token(token) in stored
    principal = verify_key(store, token)
    assert principal is not None and (principal.kind, principal.tenant, principal.name) == ("tenant", "acme", "alice")
    assert verify_key(store, token + "x") is None and verify_key(store, "") is None


def test_retention_deletes_only_old_resolved_incidents_and_old_audit(store: Store) -> None:
    clock = FakeClock(T0)
    engine = build_engine(store, make_spec(), clock)
    engine.post([alert(service="jobs", name="Old")])
    engine.post([alert(service="jobs", name="Old", status="resolved")])
    engine.post([alert(service="cache", name="StillFiring")])
    engine.incidents()  # an audit entry
    counts = purge(store, T0 + dt.timedelta(days=1))
    assert counts["incidents"] == 1 and counts["audit"] >= 1
    remaining = engine.incidents()
    assert [i["root_cause"] for i in remaining] == ["cache"]
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1  # the read just above


def test_bad_database_url_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="--db: unsupported database 'mysql'"):
        open_store("mysql://x@localhost/db")
    with pytest.raises(StoreError, match="--db: cannot open"):
        open_store(f"sqlite:///{tmp_path}/missing-dir/x.db")


def test_the_scheduler_applies_retention(sqlite_store: Store) -> None:
    clock = FakeClock(T0)
    engine = build_engine(sqlite_store, make_spec(), clock, retention_days=1)
    engine.post([alert(service="jobs", name="Old")])
    engine.post([alert(service="jobs", name="Old", status="resolved")])
    engine.tick()
    assert len(engine.incidents()) == 1
    clock.advance(2 * 86400)
    engine.tick()
    assert engine.incidents() == []


def test_a_large_batch_fires_and_resolves(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    alerts = [alert(service="jobs", name=f"Q{n}", fingerprint=f"fp{n}") for n in range(1500)]
    engine.post(alerts)
    response = engine.post([{**a, "status": "resolved", "endsAt": "2026-01-05T12:05:00Z"} for a in alerts])
    assert response.json()["resolved"] == 1500
    [incident] = engine.incidents()
    assert incident["status"] == "resolved" and incident["timeline"][-1]["detail"] == "all alerts resolved"


def test_remediation_history_round_trips(store: Store) -> None:
    history = StoreHistory(store)
    history.record("acme", 0, T0, False)
    history.record("acme", 0, T0 + dt.timedelta(minutes=5), True)
    history.record("globex", 0, T0, False)
    assert history.attempts("acme", 0, T0) == [(T0, False), (T0 + dt.timedelta(minutes=5), True)]
    assert history.attempts("acme", 0, T0 + dt.timedelta(minutes=1)) == [(T0 + dt.timedelta(minutes=5), True)]
    assert history.attempts("acme", 1, T0) == []


def test_what_a_write_read_stays_true_until_it_commits_even_across_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`serve` writes the SQLite store from two processes (the answering one and its worker), and
    correlation reads, then writes. The driver used to run the reads of a write outside any
    transaction (it begins one at the first INSERT), so the other process could commit between
    them. Writes now begin with the write lock (BEGIN IMMEDIATE): the other process waits."""
    import threading

    from tenantwatch.engine.audit import record

    url = f"sqlite:///{tmp_path / 'engine.db'}"
    ours, theirs = open_store(url), open_store(url, migrate=False)  # two connections, two write locks
    we_read, they_committed = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def the_other_process() -> None:
        we_read.wait(timeout=10)
        try:
            with theirs.write() as session:
                record(session, at=T0, who="worker", tenant=None, action="test.theirs", detail={})
            they_committed.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    other = threading.Thread(target=the_other_process)
    other.start()
    try:
        with ours.write() as session:
            seen = session.scalar(select(func.count()).select_from(AuditEntry))  # read first, as correlation does
            we_read.set()
            interleaved = they_committed.wait(timeout=1.0)
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == seen
            record(session, at=T0, who="api", tenant=None, action="test.ours", detail={})
    finally:
        other.join(timeout=40)
    assert not interleaved and failures == []
    with ours.read() as session:
        assert list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))) == ["test.ours", "test.theirs"]
    ours.close()
    theirs.close()
