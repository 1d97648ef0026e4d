"""The Prometheus rules renderer, checked by the real promtool.

Every generated promtool test must pass on the reference spec, a minimal spec and a spec
with many overrides (standard and fast profiles); the tests themselves must be able to
fail (mutated rules break them); the rule count must not depend on the tenant count.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tenantwatch import conventions
from tenantwatch.render import RenderOptions
from tenantwatch.render.prometheus import intervals
from tests.render.prom_support import (
    REFERENCE, SPECS, Rendered, assert_promtool_passes, promtool, render, spec_from_file, spec_from_text, tenants_spec,
)

REPO = Path(__file__).resolve().parents[2]
DISABLED = conventions.PAGING_DISABLED


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Rendered:
    return render(spec_from_file(REFERENCE), tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def crowded(tmp_path_factory) -> Rendered:
    return render(spec_from_file(SPECS / "many-overrides.yaml"), tmp_path_factory.mktemp("crowded"), "fast")


def test_reference_spec_rules_and_every_generated_test_pass(reference: Rendered) -> None:
    assert_promtool_passes(reference)


def test_minimal_spec_passes(tmp_path: Path) -> None:
    rendered = render(spec_from_file(SPECS / "minimal.yaml"), tmp_path)
    assert_promtool_passes(rendered)
    assert "rules/anomaly.yml" not in rendered.files  # machine_learning: false
    assert "rules/predictive.yml" in rendered.files


def test_many_overrides_spec_passes_in_fast_profile(crowded: Rendered) -> None:
    assert_promtool_passes(crowded)


def test_cli_render_verify_passes_in_fast_profile(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tenantwatch.cli", "render", str(REFERENCE), "--out", str(tmp_path), "--only", "prometheus",
         "--profile", "fast", "--verify", "--format", "json"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = {c["what"]: c["ok"] for c in yaml.safe_load(proc.stdout)["checks"]}
    assert checks == {"promtool check rules": True, "promtool check config": True, "promtool test rules": True}


def test_every_alerting_rule_has_a_firing_and_a_silent_case(reference: Rendered) -> None:
    alerts = {r["alert"] for r in reference.alerting_rules()}
    fired, silent = set(), set()
    for group in reference.test_groups():
        for check in group["alert_rule_test"]:
            firing = {tuple(sorted(a["exp_labels"].items())) for a in check["exp_alerts"]}
            if firing:
                fired.add(check["alertname"])
            tenants = set(re.findall(r'tenant="([^"]+)"', " ".join(s["series"] for s in group["input_series"])))
            expected = {a["exp_labels"].get("tenant") for a in check["exp_alerts"]}
            if (tenants - expected) or not firing:
                silent.add(check["alertname"])
    assert alerts - fired == set()
    assert alerts - silent - {conventions.WATCHDOG} == set()


def test_overriding_tenants_are_judged_by_their_own_objective(crowded: Rendered) -> None:
    """For every overridden objective an alert reads, some test feeds one value to a default
    tenant and to the overriding tenant and expects exactly one of them to fire."""
    pairs: dict[str, set[str]] = {}
    for group in crowded.test_groups():
        tenants = set(re.findall(r'tenant="([^"]+)"', " ".join(s["series"] for s in group["input_series"])))
        for check in group["alert_rule_test"]:
            firing = {a["exp_labels"]["tenant"] for a in check["exp_alerts"] if "tenant" in a["exp_labels"]}
            if len(tenants) == 2 and len(firing) == 1:
                pairs.setdefault(check["alertname"], set()).update(tenants)
    assert {"big-corp", "plain-one"} <= pairs[conventions.ALERT_CONTAINER_CPU]
    assert "free-but-strict" in pairs[conventions.ALERT_QUEUE_BACKLOG]
    assert "cheap-co" in pairs[conventions.ALERT_API_LATENCY]
    assert "plain-two" in pairs[conventions.ALERT_SLO_ERROR_FAST]
    overridable = {r["alert"] for r in crowded.alerting_rules() if "tenantwatch:objective:" in r["expr"]}
    assert overridable - set(pairs) == set()


def test_paging_disabled_tenants_get_warning_instead_of_critical(reference: Rendered) -> None:
    critical = [r for r in reference.alerting_rules() if r["labels"]["severity"] == "critical" and r["labels"].get("tenant") != "platform"]
    assert critical
    for rule in critical:
        assert f") unless on(tenant) {DISABLED})" in rule["expr"], rule["alert"]
        twin = [r for r in reference.alerting_rules() if r["alert"] == rule["alert"] and r["labels"]["severity"] == "warning"]
        assert len(twin) == 1 and f") and on(tenant) {DISABLED})" in twin[0]["expr"]
    downgraded = {
        check["alertname"]
        for group in reference.test_groups() for check in group["alert_rule_test"] for a in check["exp_alerts"]
        if a["exp_labels"].get("tenant") == "initech"
    }
    assert {r["alert"] for r in critical} <= downgraded
    for group in reference.test_groups():
        for check in group["alert_rule_test"]:
            for a in check["exp_alerts"]:
                if a["exp_labels"].get("tenant") == "initech":
                    assert a["exp_labels"]["severity"] != "critical"


def test_labels_and_annotations_follow_the_contract(reference: Rendered) -> None:
    """Severity and category from the contract's lists; scope set by the rule (platform alerts)
    or from the tenant's info line (tenant alerts); a runbook and a dashboard link on every alert."""
    assert not any("&id0" in text for text in reference.files.values())  # no YAML aliases
    for rule in reference.alerting_rules():
        labels, notes = rule["labels"], rule["annotations"]
        if rule["alert"] == conventions.WATCHDOG:
            assert labels == {"tenant": "platform", "scope": "shared", "severity": "none"}
        else:
            assert labels["severity"] in conventions.SEVERITIES and labels["category"] in conventions.CATEGORIES
        if labels.get("tenant") == "platform":
            assert labels["scope"] == "shared"
        else:
            assert f"group_left(tier, scope) {conventions.TENANT_INFO}" in rule["expr"], rule["alert"]
        assert set(notes) == {"summary", "description", "runbook_url", "dashboard_url"}
        assert notes["runbook_url"] == f"https://runbooks.example.com/tenantwatch/{conventions.runbook_slug(rule['alert'])}"
        assert notes["dashboard_url"].startswith("http://127.0.0.1:3000/d/tenantwatch-")
        if "objective" in rule["expr"]:
            assert "$value" in notes["description"] and "query" in notes["description"], rule["alert"]


def test_alerting_rule_count_does_not_depend_on_tenant_count(tmp_path: Path) -> None:
    few = render(tenants_spec(3, overrides=True), tmp_path / "few")
    many = render(tenants_spec(300, overrides=True), tmp_path / "many")
    assert len(few.alerting_rules()) == len(many.alerting_rules())
    alert_files = [f for f in few.rule_files() if f != "rules/objectives.yml"]
    assert all(few.files[f] == many.files[f] for f in alert_files)


def _objective_lines(rendered: Rendered) -> list[dict]:
    return yaml.safe_load(rendered.files["rules/objectives.yml"])["groups"][0]["rules"]


def test_tenants_in_tiers_add_one_info_line_and_overrides_one_line_each(tmp_path: Path) -> None:
    """Tier objectives and paging reach tenants through their info line: 297 more tier-only
    tenants add exactly 297 lines (their info), and each override exactly one more."""
    plain3 = render(tenants_spec(3, overrides=False), tmp_path / "p3")
    plain300 = render(tenants_spec(300, overrides=False), tmp_path / "p300")
    assert [f for f in plain3.rule_files() if plain3.files[f] != plain300.files[f]] == ["rules/objectives.yml"]
    few = _objective_lines(plain3)
    grown = [r for r in _objective_lines(plain300) if r not in few]
    assert len(grown) == 297 and {r["record"] for r in grown} == {conventions.TENANT_INFO}
    overridden = render(tenants_spec(300, overrides=True), tmp_path / "o300")
    changed = [f for f in plain300.rule_files() if plain300.files[f] != overridden.files[f]]
    assert changed == ["rules/objectives.yml"]
    base = _objective_lines(plain300)
    added = [r for r in _objective_lines(overridden) if r not in base]
    assert len(added) == 300 + 1  # the overrides, and the rule deriving error_rate from them


def _mutate_and_test(tmp_path: Path, rule_file: str, old: str, new: str, test_file: str) -> str:
    rendered = render(spec_from_file(REFERENCE), tmp_path, "fast")
    path = rendered.root / rule_file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    proc = promtool(rendered.root, "test", "rules", test_file)
    assert proc.returncode != 0, "the generated tests did not notice the mutation"
    return proc.stdout + proc.stderr


def test_a_changed_default_threshold_fails_the_generated_tests(tmp_path: Path) -> None:
    out = _mutate_and_test(tmp_path, "rules/objectives.yml", "vector(0.001)", "vector(0.9)", "tests/services.yml")
    assert conventions.ALERT_API_ERRORS in out


def test_a_dropped_override_fails_the_generated_tests(tmp_path: Path) -> None:
    # globex's 350ms latency objective lives in one override series; make it the default
    out = _mutate_and_test(tmp_path, "rules/objectives.yml", "vector(0.35)", "vector(0.2)", "tests/services.yml")
    assert conventions.ALERT_API_LATENCY in out


def test_a_missing_paging_split_fails_the_generated_tests(tmp_path: Path) -> None:
    out = _mutate_and_test(tmp_path, "rules/services.yml", f" unless on(tenant) {DISABLED}", "", "tests/services.yml")
    assert "initech" in out


def test_switches_turn_off_predictive_anomaly_and_engine_alerts(tmp_path: Path) -> None:
    spec = spec_from_text("""
version: 1
platform: quiet
alert_delivery: alertmanager
intelligent_alerts: {predictive: false, machine_learning: false}
services: {api: {kind: http}}
""")
    rendered = render(spec, tmp_path)
    names = {r["alert"] for r in rendered.alerting_rules()}
    assert not any("Predicted" in n or "Anomaly" in n or n.startswith("Tenantwatch") for n in names)
    assert conventions.WATCHDOG in names and conventions.ALERT_SLO_ERROR_FAST in names


def test_fast_profile_scales_windows_but_keeps_a_few_scrapes(reference: Rendered, tmp_path: Path) -> None:
    spec = spec_from_file(REFERENCE)
    assert intervals(spec, RenderOptions(profile="fast")) == (5.0, 5.0)
    fast = render(spec, tmp_path, "fast")
    text = "\n".join(fast.files[f] for f in fast.rule_files())
    windows = set(re.findall(r"\[(\d+[smhd])\]", text))
    assert windows and not any(w in windows for w in ("5s", "10s", "15s"))
    assert "[1h]" not in text and "[1m]" in text  # 1h windows became 1m
    holds = {r.get("for") for r in fast.alerting_rules()} - {None}
    assert all(h.endswith("s") for h in holds)


def test_docs_list_every_generated_name() -> None:
    doc = (REPO / "docs" / "metrics-and-alerts.md").read_text()
    names = [v for k, v in vars(conventions).items() if k.startswith("ALERT_") and isinstance(v, str)]
    suffixes = [v for k, v in vars(conventions).items() if isinstance(v, str) and re.match(r"^(service|tenant):", v)]
    missing = [n for n in names + suffixes if n not in doc]
    assert missing == []


def _firing(url: str) -> list[dict]:
    alerts = httpx.get(f"{url}/api/v1/alerts", timeout=10).json()["data"]["alerts"]
    return [a for a in alerts if a["state"] == "firing"]


@pytest.mark.e2e
def test_a_real_prometheus_fires_per_tenant_alerts_from_the_fast_rules(tmp_path: Path) -> None:
    """Fast-profile rules in the Debian Prometheus: acme and initech fail half their requests,
    globex none. acme pages (critical), initech (`page: false`) gets a warning, globex nothing;
    descriptions show the value and each tenant's own objective."""
    from gf_prometheus import prometheus
    from prom_exporter import exporter

    rendered = render(spec_from_file(REFERENCE), tmp_path / "out", "fast")
    rules = {Path(f).name: rendered.files[f] for f in rendered.rule_files()}
    http = 'http_requests_total{{tenant="{t}",service="api",handler="/",method="GET",code="{c}"}}'
    rates = {http.format(t="acme", c="500"): 5, http.format(t="acme", c="200"): 5,
             http.format(t="initech", c="500"): 5, http.format(t="initech", c="200"): 5,
             http.format(t="globex", c="200"): 10}
    burn = conventions.ALERT_SLO_ERROR_FAST
    with exporter(rates) as target, prometheus(tmp_path / "prom", rules, target) as url:
        deadline = time.monotonic() + 120
        while True:
            firing = _firing(url)
            burning = {a["labels"]["tenant"]: a for a in firing if a["labels"]["alertname"] == burn}
            if {"acme", "initech"} <= set(burning) or time.monotonic() > deadline:
                break
            time.sleep(1)
        groups = httpx.get(f"{url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    broken = {r["name"]: r.get("lastError") for g in groups for r in g["rules"] if r["health"] == "err"}
    assert broken == {}
    assert {"acme", "initech"} <= set(burning), [a["labels"] for a in firing]
    assert burning["acme"]["labels"]["severity"] == "critical"
    assert burning["initech"]["labels"]["severity"] == "warning"
    assert "99.9% availability" in burning["acme"]["annotations"]["description"]
    assert "99% availability" in burning["initech"]["annotations"]["description"]
    assert "50%" in burning["acme"]["annotations"]["description"]
    assert not [a for a in firing if a["labels"].get("tenant") == "globex"]
    assert any(a["labels"]["alertname"] == conventions.WATCHDOG for a in firing)


def test_recording_rules_follow_level_metric_operations(crowded: Rendered) -> None:
    """Names carry the spec's metrics prefix (`saas_` here) and come from conventions."""
    known = {v for k, v in vars(conventions).items() if isinstance(v, str) and re.match(r"^(service|tenant):", v)}
    for f in crowded.rule_files():
        if not f.startswith("rules/recording-"):
            continue
        for group in yaml.safe_load(crowded.files[f])["groups"]:
            for rule in group["rules"]:
                name = rule["record"]
                assert re.fullmatch(r"saas_(service|tenant):[a-z0-9_]+:[a-z0-9_]+(:zscore)?", name), name
                suffix = name.removeprefix("saas_").removesuffix(":zscore")
                windowed = r"(service:(http_request_(errors|slow)|http_route_request_(errors|slow)|worker_jobs_failures)"
                windowed += r"|tenant:slo_custom_errors):ratio_rate\w+"
                assert suffix in known or re.fullmatch(windowed, suffix), name
