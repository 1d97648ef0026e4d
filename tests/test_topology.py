"""The one dependency graph the renderer, the engine and the simulator share."""

from __future__ import annotations

from tenantwatch.spec import load_text
from tenantwatch.topology import Topology

SPEC = """
version: 1
platform: t
services:
  api: {kind: http, depends_on: [db, cache]}
  jobs: {kind: worker, depends_on: [queue]}
  queue: {kind: kafka, shared: true, depends_on: [db]}
  db: {kind: postgres, shared: true}
  cache: {kind: redis, shared: true}
  reports: {kind: http}
tenants:
  acme: {}
  initech: {services: [api, cache]}
  hooli: {services: [reports]}
"""


def _topology() -> Topology:
    result = load_text(SPEC, environ={})
    assert result.spec is not None, result.issues
    return Topology(result.spec)


def test_dependencies_and_dependents_are_transitive() -> None:
    t = _topology()
    assert t.below["jobs"] == {"queue", "db"} and t.below["db"] == frozenset()
    assert t.above["db"] == {"api", "queue", "jobs"} and t.above["reports"] == frozenset()
    assert t.needs("jobs", "db") and t.needs("db", "db") and not t.needs("db", "jobs")
    assert t.related("db", "jobs") and not t.related("api", "jobs")


def test_an_outage_reaches_the_tenants_that_use_it_directly_or_through_dependents() -> None:
    t = _topology()
    assert t.tenants_reached_by(["db"]) == ["acme", "initech"]  # initech through api, hooli not at all
    assert t.tenants_reached_by(["queue"]) == ["acme"]  # only acme runs jobs
    assert t.reached("initech", ["db"]) == ("api",)
    assert t.tenants_reached_by(["reports"]) == ["acme", "hooli"]


def test_the_root_cause_is_the_most_upstream_failing_service() -> None:
    t = _topology()
    assert t.root_cause(["api", "jobs", "db"]) == "db"
    assert t.root_cause(["api", "cache"]) == "cache"
    assert t.root_cause([]) is None
