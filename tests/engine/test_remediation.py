"""L1 auto-remediation through the real guarded runner (dry-run, as the spec says by default):
chosen by the spec's rules, recorded in the timeline, the audit log and the metrics."""

from __future__ import annotations

from tenantwatch.engine.clock import FakeClock
from tenantwatch.engine.store import Store
from tests.engine.conftest import T0, Engine, alert, build_engine, make_spec


def test_l1_runs_the_matching_rule_in_dry_run_and_audits_it(engine: Engine) -> None:
    engine.post([alert(service="api", name="CpuSaturation", category="saturation")])
    report = engine.tick()
    assert report.remediations == [("restart_deployment", "dry_run")]
    [incident] = engine.incidents("acme")
    [entry] = [e for e in incident["timeline"] if e["kind"] == "remediation"]
    assert entry["detail"].startswith("restart_deployment: dry_run: dry run, nothing changed")
    audit = engine.client.get("/api/v1/audit", headers=engine.auth("acme")).json()["items"]
    [run] = [e for e in audit if e["action"] == "remediation"]
    assert run["detail"]["status"] == "dry_run" and run["detail"]["incident"] == incident["id"]
    assert 'tenantwatch_remediations_total{action="restart_deployment",outcome="dry_run"} 1.0' in engine.client.get("/metrics").text
    engine.clock.advance(300)
    assert engine.tick().remediations == []  # L2 has no auto_remediation


def test_alerts_no_rule_matches_are_not_remediated(engine: Engine) -> None:
    engine.post([alert(service="api", name="HighErrorRate", category="errors")])
    assert engine.tick().remediations == []


def test_remediation_off_in_the_spec_runs_nothing(sqlite_store: Store) -> None:
    spec = make_spec(intelligent_alerts={"auto_remediation": False})
    engine = build_engine(sqlite_store, spec, FakeClock(T0))
    engine.post([alert(service="api", name="CpuSaturation", category="saturation")])
    assert engine.tick().remediations == []


def test_the_circuit_breaker_survives_a_restart(sqlite_store: Store) -> None:
    """Real (not dry-run) runs against a Redis that is not configured fail; after max_failures
    the breaker opens, and a restarted engine on the same store still refuses."""
    spec = make_spec(remediation={"dry_run": False, "max_failures": 2, "rules": [
        {"match": {"service": "cache", "category": "saturation"}, "action": "redis_evict", "params": {"pattern": "cache:*"}}]})
    clock = FakeClock(T0)

    def incident_run(engine: Engine, minute: int) -> list[tuple[str, str]]:
        starts = T0.replace(minute=minute)
        engine.post([alert(service="cache", name="RedisMemory", category="saturation", starts=starts)])
        report = engine.tick()
        engine.post([alert(service="cache", name="RedisMemory", category="saturation", starts=starts, status="resolved")])
        return report.remediations

    first = build_engine(sqlite_store, spec, clock)
    assert incident_run(first, 1) == [("redis_evict", "failed")]
    assert incident_run(first, 2) == [("redis_evict", "failed")]
    restarted = build_engine(sqlite_store, spec, clock)
    assert incident_run(restarted, 3) == [("redis_evict", "refused")]
    latest = restarted.incidents("acme")[0]
    assert any("circuit open" in e["detail"] for e in latest["timeline"] if e["kind"] == "remediation")
