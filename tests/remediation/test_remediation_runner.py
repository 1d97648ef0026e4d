"""The runner: rule selection, dry-run by default, rate limit, circuit breaker, hostile labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from slow_query import SlowQuery

from tenantwatch.remediation import InMemoryHistory, RemediationRunner
from tenantwatch.spec.models import Remediation

ALERT = {"tenant": "acme", "service": "cache", "category": "saturation", "severity": "warning"}


class Clock:
    """A settable clock, so rate-limit windows pass without waiting."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def remediation(*rules: dict[str, Any], dry_run: bool = False, max_failures: int = 3) -> Remediation:
    return Remediation.model_validate({"dry_run": dry_run, "max_failures": max_failures, "rules": list(rules)})


EVICT = {"match": {"service": "cache", "category": "saturation"}, "action": "redis_evict",
         "params": {"pattern": "cache:*"}, "max_per_hour": 2}
RESTART = {"match": {"service": "api"}, "action": "restart_deployment", "params": {"deployment": "api"}}


def test_select_needs_every_match_label_equal():
    runner = RemediationRunner(remediation(EVICT, RESTART), {}, Clock(), InMemoryHistory())
    assert [i for i, _ in runner.select(ALERT)] == [0]
    assert runner.select({**ALERT, "category": "errors"}) == []
    assert [i for i, _ in runner.select({"tenant": "acme", "service": "api"})] == [1]


def test_dry_run_is_the_default_and_changes_nothing(pg_dsn, data_clients):
    spec = Remediation.model_validate({"rules": [{"match": {"service": "db"}, "action": "cancel_slow_queries",
                                                  "params": {"older_than": "200ms"}}]})
    assert spec.dry_run is True
    history = InMemoryHistory()
    query = SlowQuery(pg_dsn, 60)
    try:
        query.wait_running_longer_than(pg_dsn, 0.3)
        [result] = RemediationRunner(spec, data_clients, Clock(), history).run({"tenant": "acme", "service": "db"})

        assert result.status == "dry_run" and result.dry_run
        assert result.plan is not None and result.plan.description == "cancel queries running longer than 200ms"
        assert result.outcome.detail.startswith("dry run, nothing changed")
        assert not query.finished.wait(0.5), "dry run cancelled the query"
        assert history.attempts("acme", 0, dt.datetime.min.replace(tzinfo=dt.timezone.utc)) == []
    finally:
        query.stop(pg_dsn)


def test_rate_limit_per_tenant_and_rule(redis_db, data_clients):
    clock = Clock()
    runner = RemediationRunner(remediation(EVICT), data_clients, clock, InMemoryHistory())
    redis_db.set("cache:a", 1)

    first, second, third = (runner.run(ALERT)[0] for _ in range(3))
    assert [first.status, second.status, third.status] == ["ok", "ok", "refused"]
    assert first.outcome.data == {"deleted": 1}
    assert "rate limit: 2 attempts in the last hour (max_per_hour 2)" in third.refused
    assert not third.escalate

    assert runner.run({**ALERT, "tenant": "globex"})[0].status == "ok"  # another tenant has its own budget
    clock.advance(minutes=61)
    assert runner.run(ALERT)[0].status == "ok"


def test_circuit_breaker_opens_after_max_failures_and_escalates(kube, kube_clients):
    kube.fail_with = 500
    clock = Clock()
    rule = {**RESTART, "max_per_hour": 10}
    runner = RemediationRunner(remediation(rule, max_failures=2), kube_clients, clock, InMemoryHistory())
    alert = {"tenant": "acme", "service": "api"}

    first = runner.run(alert)[0]
    clock.advance(minutes=1)
    second = runner.run(alert)[0]
    clock.advance(minutes=1)
    third = runner.run(alert)[0]

    assert (first.status, first.escalate) == ("failed", False)
    assert (second.status, second.escalate) == ("failed", True)
    assert third.status == "refused" and third.escalate
    assert "circuit open: the last 2 attempts failed" in third.refused
    assert len(kube.patches()) == 2  # the open breaker sent nothing

    kube.fail_with = None
    clock.advance(hours=25)  # the failures age out of the breaker window: one more try is allowed
    assert runner.run(alert)[0].status == "ok"


def test_a_success_resets_the_breaker(kube, kube_clients):
    clock = Clock()
    runner = RemediationRunner(remediation({**RESTART, "max_per_hour": 10}, max_failures=2), kube_clients, clock,
                               InMemoryHistory())
    alert = {"tenant": "acme", "service": "api"}
    for fail_with in (500, None, 500):
        kube.fail_with = fail_with
        clock.advance(minutes=1)
        runner.run(alert)
    kube.fail_with = 500
    clock.advance(minutes=1)
    assert runner.run(alert)[0].status == "failed"  # only 1 failure in a row before it


@pytest.mark.parametrize("tenant", ["acme; DROP TABLE x", "acme'--", "../../etc", "ACME", "acme*", "Platform", "platform\n", "", "a" * 57])
def test_hostile_tenant_label_is_refused_before_any_client_is_touched(tenant):
    touched: list[str] = []
    clients = {kind: (lambda t, kind=kind: touched.append(kind)) for kind in ("kubernetes", "postgres", "redis")}
    runner = RemediationRunner(remediation(EVICT), clients, Clock(), InMemoryHistory())

    [result] = runner.run({**ALERT, "tenant": tenant})
    assert result.status == "refused" and result.plan is None
    assert "tenant" in result.refused
    assert touched == []


def test_a_shared_services_alert_acts_on_the_shared_deployment_with_the_shared_settings(redis_db, data_clients, kube_clients):
    """tenant="platform" (a shared cache, a shared database) is accepted and uses the shared
    client settings; what would need one tenant (a {tenant} key pattern, the tenant's namespace)
    is refused with what to change."""
    redis_db.mset({"cache:1": 1})
    [evicted] = RemediationRunner(remediation(EVICT), data_clients, Clock(), InMemoryHistory(),
                                  tenants={"acme", "platform"}).run({**ALERT, "tenant": "platform"})
    assert evicted.status == "ok" and redis_db.exists("cache:1") == 0
    per_tenant = {**EVICT, "params": {"pattern": "{tenant}:cache:*"}}
    [refused] = RemediationRunner(remediation(per_tenant), data_clients, Clock(), InMemoryHistory()).run(
        {**ALERT, "tenant": "platform"})
    assert refused.status == "refused" and "{tenant}" in refused.refused
    [restart] = RemediationRunner(remediation(RESTART), kube_clients, Clock(), InMemoryHistory()).run(
        {"tenant": "platform", "service": "api"})
    assert restart.status == "refused" and "params.namespace" in restart.refused


def test_label_text_never_becomes_the_key_pattern(redis_db, data_clients):
    redis_db.mset({"cache:1": 1, "session:1": 1})
    runner = RemediationRunner(remediation(EVICT), data_clients, Clock(), InMemoryHistory())
    [result] = runner.run({**ALERT, "pattern": "*", "params": "{pattern: *}"})
    assert result.plan.target["pattern"] == "cache:*"
    assert redis_db.exists("session:1") == 1 and redis_db.exists("cache:1") == 0


@pytest.mark.parametrize("labels", [
    {"instance": "10.0.0.7:9100", "mountpoint": "/", "le": "+Inf", "handler": "/api/v1/users/{id}"},
    {"job": "kube-state-metrics", "image": "registry.example.com/app@sha256:ab12", "version": "v1.2.3-rc.1"},
])
def test_labels_exporters_really_send_are_acted_on(labels, redis_db, data_clients):
    [result] = RemediationRunner(remediation(EVICT), data_clients, Clock(), InMemoryHistory()).run({**ALERT, **labels})
    assert result.status == "ok", result.refused


@pytest.mark.parametrize(("labels", "reason"), [
    ({"pod": "api'--"}, "label pod refused: its value contains \"'\""),
    ({"path": "/var/../../etc"}, "label path refused: its value contains a '..' path segment"),
    ({"pod": "x" * 513}, "label pod refused: its value has 513 characters (at most 512)"),
    ({"p\u00f6d": "api"}, "label 'p\\xf6d' refused: its name is not a Prometheus label name"),
])
def test_a_label_that_is_not_plain_stops_the_run_and_says_which(labels, reason):
    touched: list[str] = []
    clients = {"redis": lambda tenant: touched.append(tenant)}
    [result] = RemediationRunner(remediation(EVICT), clients, Clock(), InMemoryHistory()).run({**ALERT, **labels})
    assert result.status == "refused" and result.plan is None and touched == []
    assert result.refused.startswith(reason), result.refused


def test_alert_without_tenant_or_unknown_tenant_is_refused():
    runner = RemediationRunner(remediation(EVICT), {}, Clock(), InMemoryHistory(), tenants={"acme"})
    assert "no 'tenant' label" in runner.run({k: v for k, v in ALERT.items() if k != "tenant"})[0].refused
    assert "not in the spec" in runner.run({**ALERT, "tenant": "initech"})[0].refused


def test_invalid_params_in_a_rule_are_refused_with_their_path():
    bad = {**EVICT, "params": {"pattern": "cache:* ; FLUSHALL"}}
    [result] = RemediationRunner(remediation(bad), {}, Clock(), InMemoryHistory()).run(ALERT)
    assert result.status == "refused" and result.refused.startswith("params.pattern:")


def test_unregistered_action_is_refused():
    rule = {**EVICT, "action": "rm_rf"}
    [result] = RemediationRunner(remediation(rule), {}, Clock(), InMemoryHistory()).run(ALERT)
    assert result.refused == "action 'rm_rf' is not registered"


def test_audit_record_says_what_happened(redis_db, data_clients):
    [result] = RemediationRunner(remediation(EVICT), data_clients, Clock(), InMemoryHistory()).run(ALERT)
    assert result.audit() == {
        "rule_index": 0, "action": "redis_evict", "tenant": "acme", "status": "ok",
        "plan": "unlink keys matching 'cache:*' (at most 10000)", "target": {"pattern": "cache:*", "max_keys": 10000},
        "outcome": "unlinked 0 key(s) matching 'cache:*'", "data": {"deleted": 0},
        "dry_run": False, "refused": None, "escalate": False,
    }


def test_missing_client_is_a_failed_attempt_that_counts_for_the_breaker():
    clock = Clock()
    runner = RemediationRunner(remediation({**EVICT, "max_per_hour": 5}, max_failures=1), {}, clock, InMemoryHistory())
    first = runner.run(ALERT)[0]
    assert first.status == "failed" and "no redis client configured" in first.outcome.detail and first.escalate
    assert runner.run(ALERT)[0].status == "refused"


def test_as_remediator_adapts_one_rule_to_an_outcome(kube, kube_clients):
    kube.fail_with = 500
    spec = remediation({**RESTART, "max_per_hour": 10}, max_failures=1)
    remediate = RemediationRunner(spec, kube_clients, Clock(), InMemoryHistory()).as_remediator()
    alert = {"tenant": "acme", "service": "api"}

    failed = remediate(spec.rules[0], "acme", alert)
    assert not failed.ok and failed.data["escalate"] and "API answered 500" in failed.detail
    refused = remediate(spec.rules[0], "acme", alert)
    assert refused.data["refused"] and refused.detail.startswith("refused: circuit open")
    assert len(kube.patches()) == 1


def test_an_action_that_raises_is_a_failed_outcome_without_its_message(caplog):
    class Explodes:
        name = "redis_evict"

        def plan(self, params, tenant, labels):
            from tenantwatch.remediation import ACTIONS

            return ACTIONS["redis_evict"].plan(params, tenant, labels)

        def execute(self, plan, clients):
            raise RuntimeError("redis://:hunter2@cache:6379 refused")

    runner = RemediationRunner(remediation(EVICT), {}, Clock(), InMemoryHistory(), actions={"redis_evict": Explodes()})
    [result] = runner.run(ALERT)
    assert result.status == "failed" and result.outcome.detail == "redis_evict raised RuntimeError"
    assert "hunter2" not in caplog.text and "hunter2" not in repr(result.audit())
