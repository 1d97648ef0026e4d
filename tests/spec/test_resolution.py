"""What a valid spec means: environment, objective resolution, paging, and the shipped examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantwatch.spec import Spec, SpecError, load_file, load_spec, load_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TIERED = """\
version: 1
platform: shop
environment: prod
objectives: {latency_p95: 200ms, error_rate: 0.1%, availability: 99.9%}
tiers:
  gold: {objectives: {latency_p95: 100ms, availability: 99.95%}}
  free: {page: false, objectives: {latency_p95: 1s, error_rate: 2%}}
services:
  api: {kind: http, buckets: [0.1, 0.2, 0.5, 1]}
tenants:
  acme: {tier: gold, objectives: {latency_p95: 500ms}}
  globex: {tier: gold}
  initech: {tier: free, objectives: {availability: 99%}}
  hooli: {tier: free, page: true}
  umbrella: {}
"""


@pytest.fixture(scope="module")
def spec() -> Spec:
    result = load_text(TIERED, environ={})
    assert result.spec is not None, result.issues
    return result.spec


def test_monitoring_env_overrides_environment() -> None:
    assert load_text(TIERED, environ={"MONITORING_ENV": "staging"}).spec.environment == "staging"
    assert load_text(TIERED, environ={}).spec.environment == "prod"


def test_monitoring_env_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITORING_ENV", "dr-site")
    assert load_text(TIERED).spec.environment == "dr-site"


@pytest.mark.parametrize(("tenant", "latency", "error_rate", "availability"), [
    ("acme", 0.5, 0.001, 0.9995),      # tenant over tier (latency), tier over global (availability)
    ("globex", 0.1, 0.001, 0.9995),    # tier over global
    ("initech", 1.0, 0.02, 0.99),      # tenant availability, tier latency and error rate
    ("umbrella", 0.2, 0.001, 0.999),   # no tier: the global defaults
    ("unknown", 0.2, 0.001, 0.999),    # a tenant not in the spec gets the defaults
])
def test_tenant_over_tier_over_global(spec: Spec, tenant: str, latency: float, error_rate: float,
                                      availability: float) -> None:
    objectives = spec.objectives_for(tenant)
    assert objectives.latency_p95 == pytest.approx(latency)
    assert objectives.error_rate == pytest.approx(error_rate)
    assert objectives.availability == pytest.approx(availability)
    assert objectives.queue_backlog == spec.objectives.queue_backlog  # untouched keys keep the default


def test_overrides_are_only_what_differs_from_the_defaults(spec: Spec) -> None:
    assert spec.overrides_for("umbrella") == {}
    assert spec.overrides_for("acme") == pytest.approx({"latency_p95": 0.5, "availability": 0.9995})
    assert spec.overrides_for("initech") == pytest.approx({"latency_p95": 1.0, "error_rate": 0.02, "availability": 0.99})


@pytest.mark.parametrize(("tenant", "pages"), [("acme", True), ("initech", False), ("hooli", True), ("umbrella", True)])
def test_paging_tenant_over_tier(spec: Spec, tenant: str, pages: bool) -> None:
    assert spec.pages(tenant) is pages


def test_the_spec_is_frozen(spec: Spec) -> None:
    with pytest.raises(Exception):
        spec.platform = "other"  # type: ignore[misc]


def test_units_are_parsed(spec: Spec) -> None:
    text = TIERED.replace("environment: prod", "environment: prod\nslo_period: 4w\nprometheus: {scrape_interval: 1m30s}")
    parsed = load_text(text, environ={}).spec
    assert parsed.slo_period == 28 * 86400
    assert parsed.prometheus.scrape_interval == 90
    assert spec.objectives.error_rate == pytest.approx(0.001)


@pytest.mark.parametrize("name", ["platform.yaml", "minimal.yaml", "many-overrides.yaml", "shared-services.yaml"])
def test_shipped_examples_validate_without_warnings(name: str) -> None:
    result = load_file(EXAMPLES / name, environ={})
    assert result.spec is not None and result.issues == [], result.issues


def test_many_overrides_example_covers_what_it_promises() -> None:
    spec = load_spec(EXAMPLES / "many-overrides.yaml", environ={})
    assert len(spec.tenants) >= 10 and len(spec.tiers) >= 3
    assert {s.kind for s in spec.services.values()} == {"http", "postgres", "redis", "worker", "model"}
    http_buckets = {tuple(s.latency_buckets) for s in spec.services.values() if s.kind == "http"}
    assert len(http_buckets) >= 2
    assert sum(bool(spec.overrides_for(t)) for t in spec.tenants) >= 5
    assert any(not spec.pages(t) for t in spec.tenants)
    assert {w.recurring is None for w in spec.maintenance} == {True, False}
    assert spec.alert_delivery == "engine"


def test_load_spec_raises_with_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 2\nplatform: shop\n")
    with pytest.raises(SpecError) as info:
        load_spec(path, environ={})
    assert {i.path for i in info.value.issues} == {"version", "services"}


def test_unreadable_file_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    [issue] = load_file(tmp_path / "missing.yaml", environ={}).issues
    assert issue.level == "error" and "cannot read the spec" in issue.message


def test_a_copy_with_other_tenants_resolves_afresh(spec: Spec) -> None:
    assert spec.overrides_for("acme")  # answered, and kept, by the original
    for deep in (False, True):
        copied = spec.model_copy(update={"tenants": {}, "tiers": {}}, deep=deep)
        assert copied.overrides_for("acme") == {}
        assert copied.objectives_for("acme").latency_p95 == spec.objectives.latency_p95
    assert spec.overrides_for("acme") == pytest.approx({"latency_p95": 0.5, "availability": 0.9995})


def test_overrides_returned_cannot_change_the_spec(spec: Spec) -> None:
    spec.overrides_for("acme").clear()
    assert spec.overrides_for("acme")
