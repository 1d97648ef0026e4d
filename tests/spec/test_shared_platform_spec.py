"""A shared-services platform is written the way the docs say and reads back as written:
shared infrastructure, per-tenant services, routes, volumes, custom SLOs, the tenant's own
service list, and the new objectives at every level."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantwatch.spec import Spec, load_spec, load_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SHARED = """\
version: 1
platform: shop
engine: {url: 'http://engine.monitoring.svc:8080', public_url: 'https://tenantwatch.example.com'}
grafana: {url: 'https://grafana.example.com', datasource_is_default: true}
prometheus:
  listen_address: '[::1]:9090'
  rule_files: [rules/business.yml, more/latency.yaml]
  scrape_configs:
    - {job_name: blackbox, static_configs: [{targets: ['blackbox:9115']}]}
objectives: {job_success: 99.5%, replication_lag: 1m, redis_evictions_per_second: 5, consumer_lag: 5000}
tiers:
  enterprise: {objectives: {job_success: 99.9%, consumer_lag: 1000}}
  free: {page: false}
services:
  api:
    kind: http
    depends_on: [db, cache, events]
    routes:
      /checkout: {availability: 99.95%, latency_p95: 500ms}
      /api/v1/search: {latency_p95: 1s}
  gateway: {kind: http, shared: true, namespace: edge}
  worker: {kind: worker, depends_on: [events, db]}
  db: {kind: postgres, shared: true, namespace: data, deployment: postgres-main, volumes: ['data-postgres-main-[0-9]+']}
  cache: {kind: redis, shared: true, namespace: data}
  events: {kind: kafka, shared: true, namespace: kafka}
slos:
  checkout-success:
    good: sum by (tenant) (rate(checkout_completed_total[$window]))
    total: sum by (tenant) (rate(checkout_started_total[$window]))
    objective: 99%
    service: api
    description: started checkouts that complete
tenants:
  acme: {tier: enterprise, objectives: {replication_lag: 30s}}
  globex: {tier: free, services: [api, db, cache]}
"""


@pytest.fixture(scope="module")
def spec() -> Spec:
    result = load_text(SHARED, environ={})
    assert result.spec is not None and result.issues == [], result.issues
    return result.spec


def test_shared_and_per_tenant_services_read_back(spec: Spec) -> None:
    assert spec.shared_services() == ["gateway", "db", "cache", "events"]
    assert spec.services["events"].kind == "kafka"
    assert spec.services["db"].namespace == "data"
    assert spec.services["db"].volume_patterns("db") == ["data-postgres-main-[0-9]+"]
    assert spec.services["api"].volume_patterns("api") == ["api-.*", ".*-api-[0-9]+"]
    assert spec.services["api"].routes["/checkout"].availability == pytest.approx(0.9995)
    assert spec.services_of_tenant("globex") == ["api", "db", "cache"]
    assert spec.services_of_tenant("acme") == list(spec.services)


def test_settings_read_back(spec: Spec) -> None:
    assert spec.engine.link_base == "https://tenantwatch.example.com"
    assert spec.grafana.datasource_is_default is True
    assert spec.prometheus.scrape_configs[0]["job_name"] == "blackbox"
    assert spec.slos["checkout-success"].objective == pytest.approx(0.99)


def test_new_objectives_resolve_tenant_over_tier_over_global(spec: Spec) -> None:
    acme, globex = spec.objectives_for("acme"), spec.objectives_for("globex")
    assert (acme.job_success, acme.consumer_lag, acme.replication_lag) == pytest.approx((0.999, 1000, 30))
    assert (globex.job_success, globex.consumer_lag, globex.replication_lag) == pytest.approx((0.995, 5000, 60))
    assert acme.redis_evictions_per_second == globex.redis_evictions_per_second == 5
    assert spec.overrides_for("acme") == pytest.approx({"job_success": 0.999, "consumer_lag": 1000, "replication_lag": 30})


def test_the_shared_services_example_is_a_realistic_platform() -> None:
    spec = load_spec(EXAMPLES / "shared-services.yaml", environ={})
    assert {spec.services[n].kind for n in spec.shared_services()} >= {"postgres", "redis", "kafka"}
    per_tenant = {s.kind for s in spec.services.values() if not s.shared}
    assert {"http", "worker"} <= per_tenant
    assert len(spec.tenants) >= 25 and len({t.tier for t in spec.tenants.values()}) == 3
    assert any(spec.tenants[t].services is not None for t in spec.tenants)
