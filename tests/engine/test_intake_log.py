"""The durable intake: a webhook is answered once its body is in the intake log, and the
processor turns the log into incidents in order, exactly once, even across a crash between
the two (on SQLite, where the log is a file of its own, and on the real PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import event, func, select

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.intake.payload import WebhookIn
from tenantwatch.engine.store import Store, open_store
from tenantwatch.engine.store.models import Alert, Incident
from tenantwatch.engine.usecases import EngineService
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec, webhook


def service(engine: Engine) -> EngineService:
    return engine.client.app.state.engine


def append(engine: Engine, alerts: list[dict[str, Any]], who: str = "alertmanager") -> int:
    """Put a webhook body in the log as an answered request would, without processing it."""
    body = json.dumps(webhook(alerts)).encode()
    return service(engine).log.append(engine.clock.now(), who, body).result(timeout=10)


def counts(store: Store) -> tuple[int, int]:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(Alert)), session.scalar(select(func.count()).select_from(Incident))


@pytest.fixture
def running(store: Store) -> Iterator[Engine]:
    """An engine whose processor runs in its thread, as under `tenantwatch serve`."""
    engine = build_engine(store, make_spec(), FakeClock(T0))
    service(engine).processor.start()
    yield engine
    service(engine).processor.stop()


def test_a_restart_processes_what_was_accepted_but_not_processed(store: Store) -> None:
    first = build_engine(store, make_spec(), FakeClock(T0))
    append(first, [alert(name="A", fingerprint="a")])
    append(first, [alert(tenant="globex", name="B", fingerprint="b")])
    assert counts(store) == (0, 0)  # accepted, on disk, not yet processed ("crash" here)

    again = build_engine(store, make_spec(), FakeClock(T0))  # a new process on the same database
    assert {i["tenant"] for i in again.incidents()} == {"acme", "globex"}
    assert counts(store) == (2, 2)
    third = build_engine(store, make_spec(), FakeClock(T0))
    assert len(third.incidents()) == 2 and counts(store) == (2, 2)  # nothing is done twice


def test_a_crash_inside_processing_leaves_nothing_half_done(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    for n in range(3):
        append(engine, [alert(tenant=tenant, name=f"A{n}", fingerprint=f"{tenant}{n}") for tenant in ("acme", "globex")],
               who=f"sender{n}")  # three senders: three chunks in one pass
    processor = service(engine).processor
    real, calls = processor.ingest, []

    def dies_on_the_third_chunk(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("power cut")
        return real(*args)

    processor.ingest = dies_on_the_third_chunk
    with pytest.raises(OSError):
        processor.step()
    assert counts(store) == (0, 0) and processor.position == 0  # rolled back, cursor unmoved

    processor.ingest = real
    assert len(engine.incidents()) == 2  # one per tenant; every alert once
    assert counts(store) == (6, 2)


def test_fired_then_resolved_in_one_pass_keeps_their_order(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    append(engine, [alert(name="A", fingerprint="a")])
    append(engine, [alert(name="B", fingerprint="b")])
    append(engine, [alert(name="A", fingerprint="a", status="resolved")])
    append(engine, [alert(name="B", fingerprint="b", status="resolved")])
    processor = service(engine).processor
    assert processor.step() == 4  # one pass, four entries
    assert [i["status"] for i in engine.incidents()] == ["resolved"]


def test_a_webhook_is_answered_before_processing_and_read_back_at_once(running: Engine) -> None:
    response = running.post([alert(name="A", fingerprint="a")])
    assert response.status_code == 200
    assert response.json() == {"received": 1, "processed": False}
    [incident] = running.incidents()  # a reader waits for the processor to catch up
    assert incident["alerts"][0]["labels"]["alertname"] == "A"

    waited = running.client.post("/api/v1/alertmanager?wait=true", headers=running.auth("intake"),
                                 json=webhook([alert(name="A", fingerprint="a", status="resolved")]))
    assert waited.json() == {"received": 1, "new": 0, "resolved": 1, "incidents": [incident["id"]], "processed": True}


def test_an_entry_that_cannot_be_processed_is_set_aside_and_the_rest_go_on(running: Engine) -> None:
    processor = service(running).processor
    real = processor.ingest

    def refuses_one_sender(session: Any, payload: WebhookIn, who: str, now: dt.datetime) -> Any:
        if who == "poison":
            raise ValueError("cannot be processed")
        return real(session, payload, who, now)

    processor.ingest = refuses_one_sender
    append(running, [alert(name="Before", fingerprint="before")])
    append(running, [alert(name="Poison", fingerprint="poison")], who="poison")
    append(running, [alert(name="After", fingerprint="after")])
    names = {a["labels"]["alertname"] for i in running.incidents() for a in i["alerts"]}
    assert names == {"Before", "After"}
    metrics = running.client.get("/metrics").text
    assert 'tenantwatch_intake_errors_total{reason="set_aside"} 1.0' in metrics
    assert "tenantwatch_intake_backlog 0.0" in metrics
    assert "tenantwatch_intake_processing_lag_seconds_count 2.0" in metrics


def test_a_clean_stop_processes_the_backlog(store: Store) -> None:
    engine = build_engine(store, make_spec(), FakeClock(T0))
    processor = service(engine).processor
    append(engine, [alert(name="A", fingerprint="a")])
    processor.stop()  # never started: a stop still leaves no backlog
    assert counts(store) == (1, 1)


def test_concurrent_requests_share_one_log_transaction(sqlite_store: Store) -> None:
    engine = build_engine(sqlite_store, make_spec(), FakeClock(T0))
    log = service(engine).log
    first_is_committing, first_may_finish, commits = threading.Event(), threading.Event(), []

    @event.listens_for(log.engine, "commit")
    def hold_the_first(_: Any) -> None:
        commits.append(1)
        if len(commits) == 1:
            first_is_committing.set()
            first_may_finish.wait(timeout=10)

    body = json.dumps(webhook([alert()])).encode()
    first = log.append(T0, "one", body)
    assert first_is_committing.wait(timeout=10)
    rest = [log.append(T0, f"r{n}", body) for n in range(15)]  # queued while the first is being written
    first_may_finish.set()
    ids = [first.result(timeout=10), *[ticket.result(timeout=10) for ticket in rest]]
    assert ids == sorted(ids) and len(set(ids)) == 16
    assert len(commits) == 2  # 16 requests, two fsyncs


def test_a_removed_log_file_starts_again_from_its_beginning(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    store = open_store(url)
    first = build_engine(store, make_spec(), FakeClock(T0))
    first.post([alert(name="A", fingerprint="a")])
    service(first).log.close()
    (tmp_path / "engine.intake.db").unlink()
    again = build_engine(store, make_spec(), FakeClock(T0))
    assert again.post([alert(tenant="globex", name="B", fingerprint="b")]).json()["new"] == 1
    assert len(again.incidents()) == 2
    store.close()


@pytest.mark.postgres
def test_on_postgresql_appends_commit_in_id_order(postgres_url: str) -> None:
    """Replicas append to one log: an append that drew a later id must not commit before an
    earlier one, or the cursor would pass the earlier id before it is visible, and skip it.
    (On SQLite the log has one writer: ids commit in order by construction.)"""
    from sqlalchemy import insert

    from tenantwatch.engine.intake.log import _APPEND_LOCK, ENTRIES, IntakeLog

    store = open_store(postgres_url)
    log = IntakeLog.for_store(store.engine)
    try:
        with store.engine.begin() as other_replica:  # an append in flight elsewhere, its id drawn
            other_replica.execute(_APPEND_LOCK)
            earlier = other_replica.execute(insert(ENTRIES).values(accepted_at=T0, who="am", body=b"{}")
                                            .returning(ENTRIES.c.id)).scalar_one()
            ticket = log.append(T0, "am", b"{}")
            with pytest.raises(TimeoutError):  # ours waits for it rather than committing past it
                ticket.result(timeout=0.5)
        assert ticket.result(timeout=10) > earlier
    finally:
        log.close()
        store.close()
