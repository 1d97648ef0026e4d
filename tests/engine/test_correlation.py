"""Correlation: related services of one tenant within the window make one incident whose
root cause is the most upstream failing service; other tenants and unrelated services never
join."""

from __future__ import annotations

from tenantwatch.engine.clock import FakeClock
from tenantwatch.topology import Topology
from tenantwatch.engine.store import Store
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec


def test_dependency_chain_becomes_one_incident_with_the_upstream_root_cause(engine: Engine) -> None:
    engine.post([alert(service="api", name="HighLatency")])
    engine.clock.advance(60)
    engine.post([alert(service="recommender", name="SlowPredictions")])
    engine.clock.advance(60)
    engine.post([alert(service="db", name="ConnectionsExhausted", severity="critical")])
    [incident] = engine.incidents()
    assert incident["services"] == ["api", "recommender", "db"]
    assert incident["root_cause"] == "db"
    assert incident["severity"] == "critical"
    assert len(incident["alerts"]) == 3


def test_two_tenants_never_share_an_incident(engine: Engine) -> None:
    engine.post([alert(tenant="acme", service="api"), alert(tenant="globex", service="db")])
    engine.post([alert(tenant="globex", service="api"), alert(tenant="acme", service="db")])
    incidents = engine.incidents()
    assert sorted(i["tenant"] for i in incidents) == ["acme", "globex"]
    for incident in incidents:
        assert {a["labels"]["tenant"] for a in incident["alerts"]} == {incident["tenant"]}
        assert incident["root_cause"] == "db"


def test_unrelated_services_make_separate_incidents(engine: Engine) -> None:
    engine.post([alert(service="jobs", name="QueueBacklog"), alert(service="cache", name="Evictions")])
    assert sorted(i["root_cause"] for i in engine.incidents()) == ["cache", "jobs"]


def test_alerts_outside_the_window_open_a_new_incident(engine: Engine) -> None:
    engine.post([alert(service="api")])
    engine.clock.advance(301)
    engine.post([alert(service="db", name="Deadlocks")])
    assert len(engine.incidents()) == 2


def test_correlation_off_keeps_alerts_apart_but_refires_join(sqlite_store: Store) -> None:
    spec = make_spec(intelligent_alerts={"correlation": False})
    engine = build_engine(sqlite_store, spec, FakeClock(T0))
    engine.post([alert(service="api"), alert(service="db", name="Deadlocks")])
    assert len(engine.incidents()) == 2
    engine.post([alert(service="api", starts=T0.replace(minute=30))])  # same fingerprint, firing again
    assert len(engine.incidents()) == 2


def test_root_cause_of_a_diamond() -> None:
    graph = Topology(make_spec())
    assert graph.related("api", "db") and graph.related("db", "api") and graph.related("recommender", "db")
    assert not graph.related("jobs", "api") and not graph.related("cache", "db")
    assert graph.root_cause(["api", "cache"]) == "cache"
    assert graph.root_cause(["api", "recommender", "db"]) == "db"
    assert graph.root_cause(["api", "db", "cache"]) == "db"  # first to fail among the roots
    assert graph.root_cause(["jobs"]) == "jobs" and graph.root_cause([]) is None


def test_one_interleaved_batch_groups_like_separate_posts(engine: Engine) -> None:
    """Within a batch, each alert joins what it would join if it had been posted alone, even
    when incidents are opened or grow new services between two alerts of one service."""
    services = ["jobs", "cache", "jobs", "api", "cache", "db", "jobs", "recommender", "api"]
    engine.post([alert(tenant="acme", service=s, name=f"A{n}") for n, s in enumerate(services)])
    for n, s in enumerate(services):
        engine.post([alert(tenant="globex", service=s, name=f"A{n}")])

    def grouping(tenant: str) -> list[list[str]]:
        return sorted(sorted(a["labels"]["alertname"] for a in i["alerts"]) for i in engine.incidents()
                      if i["tenant"] == tenant)

    assert grouping("acme") == grouping("globex")
    assert len(grouping("acme")) > 1
