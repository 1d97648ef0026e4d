"""The simulated platform: every series of docs/input-metrics.md for any spec, healthy tenants inside
their objectives, each fault past them, monotonic counters, determinism, accelerated time."""

from __future__ import annotations

import pytest

from tenantwatch.sim import FaultError, ScheduledFault, World, random_schedule
from tenantwatch.sim.exposition import render
from tenantwatch.sim.signals import FILL_SECONDS
from tenantwatch.spec import load_text
from tests.sim.samples import FakeClock, connection_usage, p95, rate, scrape, text_after_fault, total

# Names that appear nowhere in the demo or the reference spec, to prove nothing is hard-coded.
SPEC = """
version: 1
platform: sim-test
discovery: static
objectives: {latency_p95: 500ms, error_rate: 1%, availability: 99.5%}
tiers:
  gold: {page: true, objectives: {latency_p95: 200ms}}
services:
  storefront: {kind: http, buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5], depends_on: [ledger, sessions]}
  ledger: {kind: postgres}
  sessions: {kind: redis}
  mailer: {kind: worker}
  ranker: {kind: model, depends_on: [ledger]}
tenants:
  blue-sky: {tier: gold}
  red-rock: {objectives: {error_rate: 5%, model_accuracy: 60%}}
"""

KIND_METRICS = {
    "http": {"http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum",
             "http_request_duration_seconds_count"},
    # prometheus-client's parser appends _total to counters; Prometheus keeps the exposed name
    # (checked on the raw text below)
    "postgres": {"pg_stat_activity_count", "pg_settings_max_connections", "pg_stat_database_deadlocks_total",
                 "pg_stat_activity_max_tx_duration"},
    "redis": {"redis_memory_used_bytes", "redis_memory_max_bytes", "redis_connected_clients",
              "redis_config_maxclients", "redis_keyspace_hits_total", "redis_keyspace_misses_total"},
    "worker": {"queue_depth", "worker_jobs_total"},
    "model": {"model_accuracy", "model_drift_score", "model_prediction_duration_seconds_bucket",
              "model_predictions_total", "model_training_duration_seconds"},
}
EVERY_SERVICE = {"up", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                 "kube_pod_container_resource_limits", "kube_pod_container_status_restarts_total",
                 "kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes",
                 "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
                 "container_network_receive_packets_dropped_total"}
TENANT_LEVEL = {"auth_attempts_total", "security_events_total", "business_sessions_total",
                "business_conversions_total", "tenant_cost_eur_total"}


@pytest.fixture
def spec():
    return load_text(SPEC).spec


def test_every_contract_series_for_every_tenant_and_service(spec, clock):
    world = World(spec, clock=clock)
    assert "\npg_stat_database_deadlocks{" in render(world.series())  # postgres_exporter's name, no _total
    samples = scrape(world)
    for tenant in spec.tenants:
        for name, service in spec.services.items():
            exposed = {n for (n, lbl) in samples if {("tenant", tenant), ("service", name)} <= lbl}
            assert KIND_METRICS[service.kind] | EVERY_SERVICE <= exposed, (tenant, name)
        tenant_level = {n for (n, lbl) in samples if ("tenant", tenant) in lbl and ("service", "storefront") in lbl}
        assert TENANT_LEVEL <= tenant_level
    namespaces = {dict(lbl).get("namespace") for (n, lbl) in samples if n == "kubelet_volume_stats_available_bytes"}
    assert namespaces == {"tenant-blue-sky", "tenant-red-rock"}


def test_a_service_listener_exposes_only_its_own_series(spec, clock):
    samples = scrape(World(spec, clock=clock), "ledger")
    assert {dict(lbl)["service"] for (_, lbl) in samples} == {"ledger"}
    assert total(samples, "pg_settings_max_connections") > 0


def test_counters_never_decrease_and_buckets_are_cumulative(spec, clock):
    world = World(spec, clock=clock)
    previous = scrape(world)
    for _ in range(5):
        clock.now += 7.3
        current = scrape(world)
        for key, value in current.items():
            if key[0].endswith(("_total", "_bucket", "_sum", "_count")):
                assert value >= previous[key], key
        previous = current
    by_series: dict[frozenset, list[tuple[float, float]]] = {}
    for (name, lbl), value in previous.items():
        if name == "http_request_duration_seconds_bucket":
            rest = frozenset(kv for kv in lbl if kv[0] != "le")
            by_series.setdefault(rest, []).append((float(dict(lbl)["le"]), value))
    for points in by_series.values():
        counts = [v for _, v in sorted(points)]
        assert counts == sorted(counts)


def test_same_seed_same_output_other_seed_differs(spec):
    assert text_after_fault(spec, 7, "red-rock", "error_burst") == text_after_fault(spec, 7, "red-rock", "error_burst")
    assert text_after_fault(spec, 7, "red-rock", "error_burst") != text_after_fault(spec, 8, "red-rock", "error_burst")


def test_healthy_tenants_stay_inside_their_own_objectives(spec, clock):
    world = World(spec, clock=clock)
    for tenant in spec.tenants:
        objectives = spec.objectives_for(tenant)
        errors = rate(world, clock, "http_requests_total", tenant=tenant, code="500") + \
            rate(world, clock, "http_requests_total", tenant=tenant, code="503")
        assert errors / rate(world, clock, "http_requests_total", tenant=tenant) < objectives.error_rate / 2
        assert p95(world, clock, "http_request_duration_seconds", tenant=tenant) < objectives.latency_p95
        samples = scrape(world)
        assert total(samples, "model_accuracy", tenant=tenant) > objectives.model_accuracy
        assert connection_usage(samples, tenant=tenant) < objectives.connection_usage
        assert total(samples, "up", tenant=tenant) == len(spec.services)


def _volume_usage(samples: dict, tenant: str, service: str) -> float:
    free = total(samples, "kubelet_volume_stats_available_bytes", tenant=tenant, service=service)
    return 1 - free / total(samples, "kubelet_volume_stats_capacity_bytes", tenant=tenant, service=service)


@pytest.mark.parametrize("kind", ["error_burst", "latency_spike", "filling_volume", "connection_exhaustion",
                                  "accuracy_drop", "brute_force", "service_down"])
def test_each_fault_crosses_the_objective_of_that_tenant_only(spec, clock, kind):
    world = World(spec, clock=clock)
    world.inject("red-rock", kind)
    clock.now += FILL_SECONDS
    for tenant, faulty in (("red-rock", True), ("blue-sky", False)):
        o = spec.objectives_for(tenant)
        samples = scrape(world)
        if kind == "error_burst":
            bad = rate(world, clock, "http_requests_total", tenant=tenant, code="503") + \
                rate(world, clock, "http_requests_total", tenant=tenant, code="500")
            signal = bad / rate(world, clock, "http_requests_total", tenant=tenant) > o.error_rate
        elif kind == "latency_spike":
            signal = p95(world, clock, "http_request_duration_seconds", tenant=tenant) > o.latency_p95
        elif kind == "filling_volume":
            signal = _volume_usage(samples, tenant, "ledger") > o.volume_usage
        elif kind == "connection_exhaustion":
            signal = connection_usage(samples, tenant=tenant) > o.connection_usage
        elif kind == "accuracy_drop":
            signal = total(samples, "model_accuracy", tenant=tenant) < o.model_accuracy
        elif kind == "brute_force":
            signal = rate(world, clock, "auth_attempts_total", tenant=tenant, outcome="failure") * 60 > o.auth_failures_per_minute
        else:
            down = {dict(lbl)["service"] for (n, lbl), v in samples.items() if n == "up" and v == 0 and ("tenant", tenant) in lbl}
            gone = not any(("tenant", tenant) in lbl and ("service", "storefront") in lbl for (n, lbl) in samples if n != "up")
            signal = down == {"storefront"} and gone
        assert signal is faulty, (kind, tenant)


def test_a_fault_ends_after_its_duration_and_on_clear(spec, clock):
    world = World(spec, clock=clock)
    short = world.inject("blue-sky", "service_down", duration=30)
    assert [f.id for f in world.faults()] == [short.id]
    clock.now += 31
    assert world.faults() == []
    assert total(scrape(world), "up", tenant="blue-sky") == len(spec.services)
    world.inject("blue-sky", "accuracy_drop")
    assert world.clear() == 1 and world.faults() == []


def test_scheduled_faults_start_on_time(spec, clock):
    world = World(spec, clock=clock, schedule=[ScheduledFault(after=60, tenant="blue-sky", kind="service_down", duration=60)])
    clock.now += 59
    assert total(scrape(world), "up", tenant="blue-sky", service="storefront") == 1
    clock.now += 2
    assert total(scrape(world), "up", tenant="blue-sky", service="storefront") == 0
    clock.now += 60
    assert total(scrape(world), "up", tenant="blue-sky", service="storefront") == 1


def test_random_schedule_uses_only_the_specs_tenants_and_is_seeded(spec):
    schedule = random_schedule(spec, seed=3, every=120, duration=60, count=6)
    assert [s.after for s in schedule] == [120 * i for i in range(1, 7)]
    assert {s.tenant for s in schedule} <= set(spec.tenants)
    assert schedule == random_schedule(spec, seed=3, every=120, duration=60, count=6)


def test_accelerated_time_runs_the_daily_pattern_faster(spec):
    """At 1440x a simulated day lasts one real minute: traffic swings within a minute."""
    rates = []
    clock = FakeClock()
    world = World(spec, clock=clock, speed=1440)
    for _ in range(12):
        rates.append(rate(world, clock, "http_requests_total", seconds=5, tenant="blue-sky"))
    assert max(rates) / min(rates) > 1.8  # the daily curve spans 0.6x .. 1.4x of the base rate
    slow = World(spec, clock=(slow_clock := FakeClock()))
    flat = [rate(slow, slow_clock, "http_requests_total", seconds=5, tenant="blue-sky") for _ in range(12)]
    assert max(flat) / min(flat) < 1.15


@pytest.mark.parametrize("tenant, kind, service, message", [
    ("nobody", "error_burst", None, "tenant: unknown tenant 'nobody'"),
    ("blue-sky", "meteor", None, "kind: unknown fault kind 'meteor'"),
    ("blue-sky", "accuracy_drop", "ledger", "service: accuracy_drop applies to services of kind model"),
    ("blue-sky", "error_burst", "nowhere", "service: unknown service 'nowhere'"),
])
def test_bad_fault_requests_name_the_field(spec, clock, tenant, kind, service, message):
    with pytest.raises(FaultError, match=message):
        World(spec, clock=clock).inject(tenant, kind, service=service)


def test_a_fault_kind_the_spec_cannot_show_is_refused():
    only_http = load_text("version: 1\nplatform: p\nservices: {web: {kind: http}}\ntenants: {a: {}}\n").spec
    with pytest.raises(FaultError, match="accuracy_drop needs a service of kind model"):
        World(only_http).inject("a", "accuracy_drop")
