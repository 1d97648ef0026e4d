"""The intake's fast path keeps its guarantees: the driver-level bulk insert stores exactly
what the ORM would (JSON, UTC times, conflicts skipped) on both databases, the identity
lookup uses the index instead of scanning every alert, and a fingerprint shared by two
tenants in one payload stays two identities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.intake.ingest import _STORED
from tenantwatch.engine.store import Store
from tenantwatch.engine.store.bulk import insert_rows
from tenantwatch.engine.store.models import Alert, Incident
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec

IDENTITY = ("tenant", "fingerprint", "starts_at")


def _row(fingerprint: str, starts: dt.datetime, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "tenant": "acme", "fingerprint": fingerprint, "starts_at": starts, "ends_at": None, "status": "firing",
        "alertname": "HighErrorRate", "service": "api", "severity": "warning",
        "labels": {"tenant": "acme", "région": "zürich"}, "annotations": {"summary": "5% \"errors\""},
        "received_at": T0, "incident_id": None,
    }
    row.update(changes)
    return row


def test_bulk_insert_round_trips_and_skips_existing_identities(store: Store) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    rows = [_row("a", T0.astimezone(berlin)), _row("b", T0), _row("a", T0, status="resolved")]
    with store.write() as session:
        insert_rows(session, Alert, rows, conflict=IDENTITY)
    with store.write() as session:  # the same rows again, plus one new: only the new one lands
        insert_rows(session, Alert, [*rows, _row("c", T0 + dt.timedelta(seconds=1))], conflict=IDENTITY)
    with store.read() as session:
        stored = session.scalars(select(Alert).order_by(Alert.fingerprint)).all()
        assert [(a.fingerprint, a.status) for a in stored] == [("a", "firing"), ("b", "firing"), ("c", "firing")]
        first = stored[0]
        assert first.starts_at == T0 and first.starts_at.tzinfo == dt.timezone.utc
        assert first.labels == {"tenant": "acme", "région": "zürich"}
        assert first.annotations == {"summary": "5% \"errors\""}
        assert first.ends_at is None and first.incident_id is None


def test_identity_lookup_searches_the_index(sqlite_store: Store) -> None:
    """A full scan per batch made intake slower the more alerts were stored."""
    query = _STORED.params(tenants=["acme", "globex"], fingerprints=["f1", "f2"])
    with sqlite_store.read() as session:
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "USING INDEX" in plan and "SCAN alerts" not in plan, plan


def test_a_shared_fingerprint_is_new_for_the_other_tenant_in_the_same_payload(store: Store) -> None:
    engine: Engine = build_engine(store, make_spec(), FakeClock(T0))
    assert engine.post([alert(tenant="acme", fingerprint="shared")]).json()["new"] == 1
    answer = engine.post([alert(tenant="acme", fingerprint="shared"), alert(tenant="globex", fingerprint="shared")]).json()
    assert (answer["received"], answer["new"]) == (2, 1)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 2
        assert sorted(session.scalars(select(Incident.tenant))) == ["acme", "globex"]
