"""Rules for real platforms: shared services alert once as the platform, absences keep firing,
recording-rule names are the same in both profiles, and a real Prometheus evaluates them.

The spec (prom_specs/shared-platform.yaml) shares PostgreSQL, Redis, Kafka and the API
between seven tenants in three tiers, with route SLOs and a custom SLO.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml

from tenantwatch import conventions
from tenantwatch.render.prometheus import alert_catalog
from tenantwatch.render.prometheus.catalog_kinds import TARGETS
from tenantwatch.render.prometheus.recording import Recorder, owned
from tenantwatch.render.prometheus.timing import Timing
from tenantwatch.render import RenderOptions
from tests.conftest import free_port
from tests.render.prom_support import SPECS, Rendered, assert_promtool_passes, promtool, render, spec_from_file

SHARED = SPECS / "shared-platform.yaml"


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Rendered:
    return render(spec_from_file(SHARED), tmp_path_factory.mktemp("shared"))


def test_shared_platform_rules_and_generated_tests_pass_in_both_profiles(shared: Rendered, tmp_path: Path) -> None:
    assert_promtool_passes(shared)
    assert_promtool_passes(render(spec_from_file(SHARED), tmp_path, "fast"))


def _firing_labels(rendered: Rendered) -> list[dict[str, str]]:
    return [a["exp_labels"] for g in rendered.test_groups() for check in g["alert_rule_test"] for a in check["exp_alerts"]]


def test_every_check_of_a_shared_service_fires_once_as_the_platform(shared: Rendered) -> None:
    """The generated tests feed each shared-service check series without a tenant label and
    expect one alert with tenant="platform", scope="shared", the service, no tier; a critical
    stays critical (the platform is never a quiet tier)."""
    spec = spec_from_file(SHARED)
    catalog = alert_catalog(Recorder(spec, Timing.of(spec, RenderOptions())))
    expected = {d.name for defs in catalog.values() for d in defs if d.shared_too and d.tenant_scoped
                and (d.kind is None or any(s.shared and s.kind == d.kind for s in spec.services.values()))}
    assert {conventions.ALERT_SERVICE_DOWN, conventions.ALERT_PG_DOWN, conventions.ALERT_REDIS_DOWN,
            conventions.ALERT_KAFKA_CONSUMER_LAG, conventions.ALERT_VOLUME_USAGE} <= expected
    by_alert: dict[str, list[dict[str, str]]] = {}
    for group in shared.test_groups():
        for check in group["alert_rule_test"]:
            for alert in check["exp_alerts"]:
                if alert["exp_labels"]["tenant"] == "platform":
                    by_alert.setdefault(check["alertname"], []).append(alert["exp_labels"])
    assert expected <= set(by_alert)
    for name, labels in by_alert.items():
        for one in labels:
            assert one["scope"] == "shared" and "tier" not in one, (name, one)
            assert one.get("service", "db") in spec.shared_services(), (name, one)
    assert {one["severity"] for one in by_alert[conventions.ALERT_SERVICE_DOWN]} == {"critical"}


def test_tenant_alerts_carry_their_tier_and_scope(shared: Rendered) -> None:
    spec = spec_from_file(SHARED)
    tenants = [labels for labels in _firing_labels(shared) if labels.get("tenant") in spec.tenants]
    assert tenants
    for labels in tenants:
        assert labels["scope"] == "tenant"
        assert labels.get("tier") == spec.tier_of(labels["tenant"])


def test_a_volume_alert_names_the_service_its_claim_belongs_to(shared: Rendered) -> None:
    """Claims map to services by the spec's patterns (default `<workload>-.*`), so maintenance,
    remediation and correlation apply to volume alerts too."""
    spec = spec_from_file(SHARED)
    volume = [labels for labels in _firing_labels(shared) if "persistentvolumeclaim" in labels]
    assert {labels["tenant"] == "platform" for labels in volume} == {True, False}
    for labels in volume:
        patterns = spec.services[labels["service"]].volume_patterns(labels["service"])
        assert any(re.fullmatch(p, labels["persistentvolumeclaim"]) for p in patterns), labels


def test_an_absence_alert_that_lets_its_window_run_out_fails_the_generated_tests(tmp_path: Path) -> None:
    """Without the self-sustaining clause the absence resolves once max_over_time's window
    has passed (a [RESOLVED] in the middle of the outage); the generated test checks later."""
    rendered = render(spec_from_file(SHARED), tmp_path, "fast")
    path = rendered.root / "rules" / "services.yml"
    data = yaml.safe_load(path.read_text())
    clause = (f' or (group by (tenant, service) (ALERTS{{alertname="{conventions.ALERT_SERVICE_ABSENT}", alertstate="firing"}})'
              f" unless on(tenant, service) {owned(TARGETS)})")
    for rule in data["groups"][0]["rules"]:
        if rule.get("alert") == conventions.ALERT_SERVICE_ABSENT:
            assert clause in rule["expr"]
            rule["expr"] = rule["expr"].replace(clause, "")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    proc = promtool(rendered.root, "test", "rules", "tests/services.yml")
    assert proc.returncode != 0
    assert conventions.ALERT_SERVICE_ABSENT in proc.stdout + proc.stderr


def _records(rendered: Rendered) -> set[str]:
    return {r["record"] for f in rendered.rule_files() for g in yaml.safe_load(rendered.files[f])["groups"]
            for r in g["rules"] if "record" in r}


def test_recording_rules_have_the_same_names_in_both_profiles(shared: Rendered, tmp_path: Path) -> None:
    fast = render(spec_from_file(SHARED), tmp_path, "fast")
    assert _records(fast) == _records(shared)
    assert "tenant_service:http_request_errors:ratio_rate5m" in _records(fast)


@contextmanager
def _prometheus(folder: Path, rules: dict[str, str], jobs: list[dict]) -> Iterator[str]:
    from am_live import running

    (folder / "rules").mkdir(parents=True, exist_ok=True)
    for name, content in rules.items():
        (folder / "rules" / Path(name).name).write_text(content)
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
              "rule_files": ["rules/*.yml"], "scrape_configs": jobs}
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    argv = ["/usr/bin/prometheus", f"--config.file={folder / 'prometheus.yml'}", f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={folder / 'data'}"]
    with running(argv, port, folder / "prometheus.log") as url:
        yield url


def _alerts(url: str) -> list[dict]:
    return [a for a in httpx.get(f"{url}/api/v1/alerts", timeout=10).json()["data"]["alerts"] if a["state"] == "firing"]


@pytest.mark.e2e
def test_a_real_prometheus_alerts_once_for_a_dead_shared_service(tmp_path: Path) -> None:
    """A shared Redis whose target is dead and a shared PostgreSQL whose exporter reports
    pg_up 0, under seven tenants whose requests (labelled by the shared API) are fine: one
    critical platform alert each, none per tenant, and no rule fails to evaluate."""
    from prom_exporter import exporter

    rendered = render(spec_from_file(SHARED), tmp_path / "out", "fast")
    rules = {Path(f).name: rendered.files[f] for f in rendered.rule_files()}
    requests = {f'http_requests_total{{tenant="{t}",handler="/api/v1/items",method="GET",code="200"}}': 5.0
                for t in spec_from_file(SHARED).tenants}
    pg = {"pg_up": 1.0, 'pg_stat_activity_count{datname="acme",state="active"}': 5.0, "pg_settings_max_connections": 100.0}
    with exporter(requests) as api, exporter({}, pg) as db:
        jobs = [
            {"job_name": "api", "honor_labels": True, "static_configs": [{"targets": [api], "labels": {"service": "api"}}]},
            {"job_name": "db", "honor_labels": True, "static_configs": [{"targets": [db], "labels": {"service": "db"}}]},
            {"job_name": "cache", "static_configs": [{"targets": [f"127.0.0.1:{free_port()}"], "labels": {"service": "cache"}}]},
        ]
        with _prometheus(tmp_path / "prom", rules, jobs) as url:
            pg["pg_up"] = 0.0
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                firing = _alerts(url)
                names = {(a["labels"]["alertname"], a["labels"].get("service")) for a in firing if a["labels"]["tenant"] == "platform"}
                if {(conventions.ALERT_SERVICE_DOWN, "cache"), (conventions.ALERT_PG_DOWN, "db")} <= names:
                    break
                time.sleep(1)
            groups = httpx.get(f"{url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    broken = {r["name"]: r.get("lastError") for g in groups for r in g["rules"] if r["health"] == "err"}
    assert broken == {}
    down = [a["labels"] for a in firing if a["labels"]["alertname"] in (conventions.ALERT_SERVICE_DOWN, conventions.ALERT_PG_DOWN)]
    assert sorted((a["alertname"], a["service"]) for a in down) == [(conventions.ALERT_PG_DOWN, "db"),
                                                                     (conventions.ALERT_SERVICE_DOWN, "cache")]
    for labels in down:
        assert labels["tenant"] == "platform" and labels["scope"] == "shared" and labels["severity"] == "critical"
        assert "tier" not in labels
    tenant_alerts = [a["labels"] for a in firing if a["labels"]["tenant"] != "platform"]
    assert not [a for a in tenant_alerts if a.get("service") in ("db", "cache")]
