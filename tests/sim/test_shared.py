"""Shared and per-tenant topology in the simulator: a shared service's exporter series once and
without a tenant, a tenant's share of a shared application still labelled with the tenant,
tenants showing only the services they use, platform faults, and outages cascading to the
services that depend on the dead one."""

from __future__ import annotations

import subprocess

import pytest

from tenantwatch.sim import FaultError, World, random_schedule
from tenantwatch.sim.exposition import render
from tenantwatch.spec import load_text
from tests.sim.samples import FakeClock, connection_usage, rate, scrape, text_after_fault, total

SPEC = """
version: 1
platform: sim-shared
objectives: {error_rate: 1%, availability: 99.5%}
services:
  storefront: {kind: http, depends_on: [ledger, sessions]}
  portal: {kind: http, shared: true, namespace: edge, depends_on: [ledger]}
  ledger: {kind: postgres, shared: true, namespace: data, deployment: ledger-pg}
  sessions: {kind: redis, shared: true, namespace: data}
  stream: {kind: kafka, shared: true, namespace: data}
  mailer: {kind: worker, depends_on: [stream, own-db]}
  ranker: {kind: model, depends_on: [ledger]}
  own-db: {kind: postgres}
  own-queue: {kind: kafka}
tenants:
  blue-sky: {}
  red-rock: {services: [storefront, ledger, sessions, own-db]}
  quiet: {services: [portal]}
"""

POD_SERIES = {"container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
              "kube_pod_container_resource_limits", "kube_pod_container_status_restarts_total",
              "kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes",
              "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
              "container_network_receive_packets_dropped_total"}
# as the exporters name them (prometheus-client's parser adds _total to the deadlock counter)
EXPORTER_SERIES = {
    "ledger": {"pg_up", "pg_stat_activity_count", "pg_settings_max_connections", "pg_stat_database_deadlocks_total",
               "pg_stat_activity_max_tx_duration", "pg_replication_lag_seconds"},
    "sessions": {"redis_up", "redis_memory_used_bytes", "redis_memory_max_bytes", "redis_connected_clients",
                 "redis_config_maxclients", "redis_keyspace_hits_total", "redis_keyspace_misses_total",
                 "redis_evicted_keys_total", "redis_rejected_connections_total"},
    "stream": {"kafka_brokers", "kafka_consumergroup_lag", "kafka_topic_partition_current_offset"},
}
EXPORTER_TYPES = {
    "pg_up": "gauge", "pg_stat_activity_count": "gauge", "pg_settings_max_connections": "gauge",
    "pg_stat_database_deadlocks": "counter", "pg_stat_activity_max_tx_duration": "gauge",
    "pg_replication_lag_seconds": "gauge", "redis_up": "gauge", "redis_memory_used_bytes": "gauge",
    "redis_memory_max_bytes": "gauge", "redis_connected_clients": "gauge", "redis_config_maxclients": "gauge",
    "redis_keyspace_hits_total": "counter", "redis_keyspace_misses_total": "counter",
    "redis_evicted_keys_total": "counter", "redis_rejected_connections_total": "counter",
    "kafka_brokers": "gauge", "kafka_consumergroup_lag": "gauge", "kafka_topic_partition_current_offset": "gauge",
}


@pytest.fixture
def spec():
    return load_text(SPEC).spec


def of_service(samples: dict, service: str) -> dict:
    return {key: v for key, v in samples.items() if ("service", service) in key[1]}


def tenants_of(samples: dict) -> set[str | None]:
    return {dict(lbl).get("tenant") for (_, lbl) in samples}


def error_ratio(world: World, clock: FakeClock, tenant: str, service: str) -> float:
    bad = rate(world, clock, "http_requests_total", tenant=tenant, service=service, code="500") + \
        rate(world, clock, "http_requests_total", tenant=tenant, service=service, code="503")
    return bad / rate(world, clock, "http_requests_total", tenant=tenant, service=service)


def failure_ratio(world: World, clock: FakeClock, tenant: str) -> float:
    failed = rate(world, clock, "worker_jobs_total", tenant=tenant, outcome="failure")
    return failed / rate(world, clock, "worker_jobs_total", tenant=tenant)


@pytest.mark.parametrize("service", ["ledger", "sessions", "stream"])
def test_a_shared_service_exposes_its_exporter_and_pod_series_once_without_tenant(spec, clock, service):
    samples = of_service(scrape(World(spec, clock=clock)), service)
    assert {n for (n, _) in samples} == EXPORTER_SERIES[service] | POD_SERIES
    assert tenants_of(samples) == {None}
    gauge = {"ledger": "pg_settings_max_connections", "sessions": "redis_config_maxclients", "stream": "kafka_brokers"}
    assert len([k for k in samples if k[0] == gauge[service]]) == 1
    namespaces = {dict(lbl).get("namespace") for (n, lbl) in samples if n in POD_SERIES}
    assert namespaces == {"data"}


def test_the_shared_database_has_one_database_per_tenant_it_serves_and_names_pods_after_the_workload(spec, clock):
    samples = of_service(scrape(World(spec, clock=clock)), "ledger")
    # quiet uses only portal, which depends on ledger: its database lives there too
    datnames = {dict(lbl)["datname"] for (n, lbl) in samples if n == "pg_stat_activity_count"}
    assert datnames == {"blue-sky", "red-rock", "quiet"}
    pods = {(dict(lbl)["pod"], dict(lbl)["container"]) for (n, lbl) in samples if n == "container_memory_working_set_bytes"}
    assert pods == {("ledger-pg-0", "ledger-pg")}
    claims = {dict(lbl)["persistentvolumeclaim"] for (n, lbl) in samples if n == "kubelet_volume_stats_capacity_bytes"}
    assert claims == {"ledger-pg-data"}


def test_kafka_series_as_kafka_exporter_names_them(spec, clock):
    world = World(spec, clock=clock)
    samples = of_service(scrape(world), "stream")
    lag = [dict(lbl) for (n, lbl) in samples if n == "kafka_consumergroup_lag"]
    assert {(d["consumergroup"], d["topic"]) for d in lag} == {("mailer", "stream")}
    assert {d["partition"] for d in lag} == {"0", "1", "2"}
    assert total(samples, "kafka_brokers") == 3
    before = total(samples, "kafka_topic_partition_current_offset")
    clock.now += 30
    assert total(of_service(scrape(world), "stream"), "kafka_topic_partition_current_offset") > before


def test_exporter_metric_types_are_the_exporters_own(spec, clock):
    text = render(World(spec, clock=clock).series())
    for name, kind in EXPORTER_TYPES.items():
        assert f"\n# TYPE {name} {kind}\n" in text, name


def test_no_fake_up_for_a_shared_service(spec, clock):
    samples = scrape(World(spec, clock=clock))
    up = {dict(lbl)["service"] for (n, lbl) in samples if n == "up"}
    assert up == {"storefront", "mailer", "ranker", "own-db", "own-queue"}


def test_a_shared_http_service_labels_its_requests_with_the_tenant_but_not_its_pods(spec, clock):
    samples = of_service(scrape(World(spec, clock=clock)), "portal")
    requests = {dict(lbl).get("tenant") for (n, lbl) in samples if n == "http_requests_total"}
    assert requests == {"blue-sky", "quiet"}  # red-rock does not use portal
    assert tenants_of({k: v for k, v in samples.items() if k[0] in POD_SERIES}) == {None}
    assert {dict(lbl)["namespace"] for (n, lbl) in samples if n in POD_SERIES} == {"edge"}


def test_per_tenant_services_carry_the_tenant_and_the_deeper_checks(spec, clock):
    samples = scrape(World(spec, clock=clock))
    for tenant in ("blue-sky", "red-rock"):
        own = {n for (n, lbl) in samples if {("tenant", tenant), ("service", "own-db")} <= lbl}
        assert EXPORTER_SERIES["ledger"] | POD_SERIES | {"up"} <= own
        assert total(samples, "pg_up", tenant=tenant) == 1
    queue = {n for (n, lbl) in samples if {("tenant", "blue-sky"), ("service", "own-queue")} <= lbl}
    assert EXPORTER_SERIES["stream"] | {"up"} <= queue
    assert {dict(lbl)["namespace"] for (n, lbl) in samples
            if n == "kubelet_volume_stats_capacity_bytes" and ("service", "own-db") in lbl} == {"tenant-blue-sky", "tenant-red-rock"}


def test_a_tenant_shows_series_only_for_the_services_it_uses(spec, clock):
    samples = scrape(World(spec, clock=clock))
    services = {t: {dict(lbl)["service"] for (_, lbl) in samples if ("tenant", t) in lbl} for t in spec.tenants}
    assert services["red-rock"] == {"storefront", "own-db"}  # ledger and sessions are shared: no tenant label
    assert services["quiet"] == {"portal"}
    assert services["blue-sky"] == {"storefront", "portal", "mailer", "ranker", "own-db", "own-queue"}
    # the tenant-level (security, business) series ride on each tenant's first HTTP service
    homes = {dict(lbl)["tenant"]: dict(lbl)["service"] for (n, lbl) in samples if n == "business_sessions_total"}
    assert homes == {"blue-sky": "storefront", "red-rock": "storefront", "quiet": "portal"}


def test_healthy_shared_services_stay_inside_the_objectives(spec, clock):
    world = World(spec, clock=clock)
    o = spec.objectives
    samples = scrape(world)
    assert 0 < connection_usage(samples, service="ledger") < o.connection_usage
    assert total(samples, "pg_replication_lag_seconds", service="ledger") < o.replication_lag
    assert total(samples, "kafka_consumergroup_lag", service="stream") < o.consumer_lag
    assert total(samples, "redis_connected_clients") / total(samples, "redis_config_maxclients", service="sessions") < 1
    assert rate(world, clock, "redis_evicted_keys_total", service="sessions") < o.redis_evictions_per_second
    assert rate(world, clock, "redis_rejected_connections_total", service="sessions") == 0
    for tenant in ("blue-sky", "red-rock"):
        assert error_ratio(world, clock, tenant, "storefront") < o.error_rate / 2
    assert failure_ratio(world, clock, "blue-sky") < o.job_failure_rate / 2


def test_a_dead_shared_database_disappears_fails_its_scrape_and_breaks_its_dependents(spec, clock):
    world = World(spec, clock=clock)
    fault = world.inject("platform", "service_down", service="ledger")
    assert (fault.tenant, fault.kind, fault.services) == ("platform", "service_down", ("ledger",))
    samples = scrape(world)
    assert of_service(samples, "ledger") == {}
    assert world.scrape_fails("ledger") and not world.scrape_fails("sessions") and not world.scrape_fails("storefront")
    o = spec.objectives
    # storefront (per tenant) and portal (shared) depend on ledger: every tenant using them sees 5xx
    assert error_ratio(world, clock, "blue-sky", "storefront") > o.error_rate
    assert error_ratio(world, clock, "red-rock", "storefront") > o.error_rate
    assert error_ratio(world, clock, "quiet", "portal") > o.error_rate
    assert failure_ratio(world, clock, "blue-sky") < o.job_failure_rate / 2  # mailer does not use ledger
    assert world.clear(fault.id) == 1
    assert not world.scrape_fails("ledger") and of_service(scrape(world), "ledger")
    assert error_ratio(world, clock, "blue-sky", "storefront") < o.error_rate / 2


def test_platform_service_down_has_a_shorthand(spec, clock):
    world = World(spec, clock=clock)
    fault = world.inject("platform", "stream_down")
    assert (fault.kind, fault.services) == ("service_down", ("stream",))
    # mailer depends on stream: its jobs fail; storefront does not
    assert failure_ratio(world, clock, "blue-sky") > spec.objectives.job_failure_rate
    assert error_ratio(world, clock, "blue-sky", "storefront") < spec.objectives.error_rate / 2


def test_a_tenants_own_dead_service_breaks_only_that_tenants_dependents(spec, clock):
    world = World(spec, clock=clock)
    fault = world.inject("blue-sky", "own-db_down")
    assert fault.services == ("own-db",)
    samples = scrape(world)
    assert total(samples, "up", tenant="blue-sky", service="own-db") == 0
    assert total(samples, "up", tenant="red-rock", service="own-db") == 1
    assert failure_ratio(world, clock, "blue-sky") > spec.objectives.job_failure_rate  # mailer depends on own-db
    assert error_ratio(world, clock, "blue-sky", "storefront") < spec.objectives.error_rate / 2
    assert error_ratio(world, clock, "red-rock", "storefront") < spec.objectives.error_rate / 2


def test_a_platform_fault_on_a_shared_database_exhausts_its_connections(spec, clock):
    world = World(spec, clock=clock)
    fault = world.inject("platform", "connection_exhaustion")
    assert fault.services == ("ledger",)
    samples = scrape(world)
    assert connection_usage(samples, service="ledger") > spec.objectives.connection_usage
    assert connection_usage(samples, service="own-db", tenant="blue-sky") < spec.objectives.connection_usage


def test_a_tenant_fault_on_a_shared_application_hits_only_that_tenants_requests(spec, clock):
    world = World(spec, clock=clock)
    world.inject("quiet", "error_burst")
    assert error_ratio(world, clock, "quiet", "portal") > spec.objectives.error_rate
    assert error_ratio(world, clock, "blue-sky", "portal") < spec.objectives.error_rate / 2


@pytest.mark.parametrize("tenant, kind, service, message", [
    ("platform", "service_down", "own-db",
     "service: own-db is not shared (one instance per tenant); platform faults hit shared services: portal, ledger, sessions, stream"),
    ("platform", "service_down", "nowhere", "service: unknown service 'nowhere'"),
    ("platform", "nowhere_down", None, "kind: unknown fault kind 'nowhere_down'; choose from error_burst"),
    ("platform", "brute_force", None, "kind: brute_force hits one tenant; inject it as TENANT:brute_force"),
    ("blue-sky", "service_down", "ledger", "service: ledger is shared by every tenant; inject service_down on it as platform:service_down"),
    ("blue-sky", "ledger_down", None, "service: ledger is shared by every tenant; inject service_down on it as platform:service_down"),
    ("red-rock", "service_down", "mailer", "service: tenant red-rock does not use mailer (tenants.red-rock.services)"),
    ("quiet", "connection_exhaustion", None,
     "kind: connection_exhaustion hits ledger, shared by every tenant: inject it as platform:connection_exhaustion"),
    ("nobody", "error_burst", None, "tenant: unknown tenant 'nobody'; this spec has blue-sky, red-rock, quiet (or platform, for its shared services)"),
])
def test_bad_platform_and_shared_faults_say_what_is_accepted(spec, clock, tenant, kind, service, message):
    with pytest.raises(FaultError) as raised:
        World(spec, clock=clock).inject(tenant, kind, service=service)
    assert message in str(raised.value)


def test_a_platform_fault_needs_a_shared_service():
    only_own = load_text("version: 1\nplatform: p\nservices: {web: {kind: http}}\ntenants: {a: {}}\n").spec
    with pytest.raises(FaultError, match=r"tenant: platform faults hit shared services; this spec has none \(services.<name>.shared: true\)"):
        World(only_own).inject("platform", "service_down")


def test_same_seed_same_text_with_shared_services_and_platform_faults(spec):
    assert text_after_fault(spec, 5, "platform", "ledger_down") == text_after_fault(spec, 5, "platform", "ledger_down")
    assert text_after_fault(spec, 5, "platform", "ledger_down") != text_after_fault(spec, 6, "platform", "ledger_down")


def test_a_random_schedule_draws_only_faults_the_topology_can_show(spec, clock):
    schedule = random_schedule(spec, seed=2, every=10, duration=5, count=80)
    assert {s.tenant for s in schedule} > {"platform"}
    world = World(spec, clock=clock, schedule=schedule)
    clock.now += 10 * 81  # every scheduled fault starts (and ends) on the way: none is refused
    assert scrape(world)


def test_the_exposition_passes_promtool_but_for_the_exporters_own_naming(spec, clock):
    world = World(spec, clock=clock)
    world.inject("platform", "ledger_down")
    world.inject("blue-sky", "service_down")
    clock.now += 30
    checked = subprocess.run(["promtool", "check", "metrics"], input=render(world.series()), capture_output=True, text=True)
    problems = [line for line in (checked.stdout + checked.stderr).splitlines() if line.strip()]
    # postgres_exporter's own names, which promtool's naming lint frowns on; Prometheus takes them as they are
    assert problems == ['pg_stat_activity_count non-histogram and non-summary metrics should not have "_count" suffix',
                        'pg_stat_database_deadlocks counter metrics should have "_total" suffix'], problems
