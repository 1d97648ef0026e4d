"""The grafana target: SDK-built dashboards of the spec's areas and provisioning, checked against a real Prometheus."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from am_specs import load, many_tenants_data, minimal_data, reference_data
from gf_dashboards import (
    INPUT_METRICS, as_prometheus_query, dashboards, metric_names, panel_queries, panels, recorded_names,
    without_empty,
)
from gf_prometheus import prometheus, query
from tenantwatch import conventions
from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.render.grafana import render_grafana
from tenantwatch.sim import SimServer, World

SPECS = {"reference": reference_data, "minimal": minimal_data, "many-tenants": many_tenants_data}


def expected_boards(data: dict) -> set[str]:
    """The areas a spec has: overview, infrastructure and security always; the others only
    with a service of their kind (SLOs: an http or worker service, or a custom SLO)."""
    kinds = {svc["kind"] for svc in data["services"].values()}
    areas = {"overview", "infrastructure", "security"}
    areas |= {"api"} if "http" in kinds else set()
    areas |= {"ml"} if "model" in kinds else set()
    areas |= {"slo"} if kinds & {"http", "worker"} or data.get("slos") else set()
    return {conventions.DASHBOARD_UIDS[area] for area in areas}


@pytest.mark.parametrize("name", SPECS)
def test_dashboards_of_the_spec_areas_each_with_a_tenant_variable_and_the_fixed_datasource(name: str) -> None:
    boards = dashboards(load(SPECS[name]()))
    assert {b["uid"] for b in boards.values()} == expected_boards(SPECS[name]())
    for path, board in boards.items():
        assert path == f"dashboards/{board['uid']}.json"
        variable = next(v for v in board["templating"]["list"] if v["name"] == conventions.TENANT)
        assert variable["type"] == "query" and variable["multi"] and variable["includeAll"]
        assert variable["datasource"]["uid"] == conventions.DATASOURCE_UID
        assert list(panels(board)), path
        for panel in panels(board):
            assert panel["datasource"]["uid"] == conventions.DATASOURCE_UID, panel["title"]
            assert panel["targets"], panel["title"]
            for query in panel["targets"]:
                assert query["datasource"]["uid"] == conventions.DATASOURCE_UID
                assert '$tenant' in query["expr"], (panel["title"], query["expr"])
        ids = [p["id"] for p in board.get("panels", [])]
        assert len(ids) == len(set(ids)), path


@pytest.mark.parametrize("services,slos", [
    ({"db": {"kind": "postgres"}}, {}),
    ({"db": {"kind": "postgres"}, "queue": {"kind": "worker"}}, {}),
    ({"cache": {"kind": "redis"}}, {"checkout": {"good": 'sum by (tenant) (rate(ok_total[$window]))',
                                                 "total": 'sum by (tenant) (rate(all_total[$window]))', "objective": "99%"}}),
])
def test_an_area_without_its_kind_of_service_gets_no_dashboard(services: dict, slos: dict) -> None:
    data = minimal_data() | {"services": services, "slos": slos}
    assert set(b["uid"] for b in dashboards(load(data)).values()) == expected_boards(data)


def test_slo_board_shows_budget_left_and_burn_rate_per_tenant_service_and_slo() -> None:
    spec = load(reference_data())
    board = dashboards(spec)[f"dashboards/{conventions.DASHBOARD_UIDS['slo']}.json"]
    prefix = spec.tenant_isolation.metrics_prefix
    budget = conventions.recorded(prefix, conventions.SLO_ERROR_BUDGET_REMAINING)
    burn = conventions.recorded(prefix, conventions.SLO_BURN_RATE)
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert list(variables) == [conventions.TENANT, conventions.SLO_LABEL]
    assert variables[conventions.SLO_LABEL]["query"] == f'label_values({budget}{{tenant=~"$tenant"}}, slo)'
    read = {name for panel in panels(board) for target in panel["targets"] for name in metric_names(target["expr"])}
    assert read == {budget, burn}
    for panel in panels(board):
        for target in panel["targets"]:
            assert 'slo=~"$slo"' in target["expr"] and "{{slo}}" in target["legendFormat"], panel["title"]


def test_dashboards_read_the_same_rule_names_in_both_profiles() -> None:
    spec = load(reference_data())
    assert dashboards(spec, profile="fast") == dashboards(spec)


def test_the_datasource_is_grafanas_default_only_when_the_spec_says_so() -> None:
    data = reference_data()
    off = yaml.safe_load(render_grafana(load(data), RenderOptions())["datasources/tenantwatch.yaml"])
    data["grafana"] = {"datasource_is_default": True}
    on = yaml.safe_load(render_grafana(load(data), RenderOptions())["datasources/tenantwatch.yaml"])
    assert off["datasources"][0]["isDefault"] is False and on["datasources"][0]["isDefault"] is True


def test_dashboards_round_trip_through_the_grafana_model_unchanged() -> None:
    """Decoding into the SDK's typed Dashboard (panels by plugin type) and back loses nothing."""
    plugins.register_default_plugins()
    for path, board in dashboards(load(reference_data())).items():
        decoded = json.loads(JSONEncoder().encode(Dashboard.from_json(board)))
        assert without_empty(decoded) == without_empty(board), path


def test_thresholds_follow_the_objectives() -> None:
    data = reference_data()
    data["objectives"]["latency_p95"] = "350ms"
    boards = dashboards(load(data))
    latency = next(p for p in panels(boards["dashboards/tenantwatch-api.json"]) if "p95" in p["title"])
    steps = latency["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1] == {"color": "red", "value": 0.35}


def test_provisioning_points_at_prometheus_url_with_the_fixed_uid() -> None:
    spec = load(reference_data())
    default = yaml.safe_load(render_grafana(spec, RenderOptions())["datasources/tenantwatch.yaml"])
    chosen = yaml.safe_load(render_grafana(spec, RenderOptions(environ={"PROMETHEUS_URL": "http://prom.internal:9090"}))["datasources/tenantwatch.yaml"])
    assert default["datasources"][0]["url"] == "http://127.0.0.1:9090"
    assert chosen["datasources"][0]["url"] == "http://prom.internal:9090"
    assert chosen["datasources"][0]["uid"] == conventions.DATASOURCE_UID
    provider = yaml.safe_load(render_grafana(spec, RenderOptions())["dashboards.yaml"])["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"]


def rule_files(spec, profile: str = "standard") -> dict[str, str]:
    rendered = render_tree(spec, RenderOptions(profile=profile), ["prometheus"])["prometheus"]
    return {path: text for path, text in rendered.items() if path.startswith("rules/") and path.endswith(".yml")}


@pytest.mark.parametrize("profile", ["standard", "fast"])
@pytest.mark.parametrize("name", SPECS)
def test_every_metric_a_panel_reads_is_a_rendered_rule_or_a_contract_input(name: str, profile: str) -> None:
    spec = load(SPECS[name]())
    known = recorded_names(rule_files(spec, profile)) | INPUT_METRICS
    for where, expr in panel_queries(dashboards(spec, profile=profile)):
        read = metric_names(expr)
        assert read and read <= known, f"{where}: {expr} reads {sorted(read - known)}"


@pytest.fixture(scope="module")
def live_prometheus(tmp_path_factory: pytest.TempPathFactory):
    """Prometheus evaluating the reference spec's rendered rules over the simulator's metrics."""
    spec = load(reference_data())
    sim = SimServer(World(spec, seed=7)).start()
    try:
        with prometheus(tmp_path_factory.mktemp("gf-prom"), rule_files(spec), f"127.0.0.1:{sim.port()}") as url:
            yield spec, url
    finally:
        sim.stop()


def test_every_panel_query_is_valid_promql_for_one_tenant_and_for_all(live_prometheus) -> None:
    spec, url = live_prometheus
    for where, expr in panel_queries(dashboards(spec)):
        for tenant in ("acme", ".*"):  # one tenant, and "All"
            answer = query(url, as_prometheus_query(expr, tenant))
            assert answer["status"] == "success", f"{where}: {answer.get('error')}"


def test_every_panel_shows_the_simulated_tenant(live_prometheus) -> None:
    """A panel that stays empty while the tenant's services run is a broken panel."""
    spec, url = live_prometheus
    queries = dict(panel_queries(dashboards(spec)))
    empty = dict(queries)
    deadline = time.monotonic() + 90
    while empty and time.monotonic() < deadline:
        empty = {where: expr for where, expr in empty.items()
                 if not query(url, as_prometheus_query(expr, "acme"))["data"]["result"]}
        time.sleep(1)
    assert not empty, f"panels without data for tenant acme: {sorted(empty)}"
    for where, expr in queries.items():
        tenants = {s["metric"].get("tenant") for s in query(url, as_prometheus_query(expr, "acme"))["data"]["result"]}
        assert tenants == {"acme"}, f"{where} shows other tenants: {tenants}"


def test_anomaly_panels_follow_machine_learning() -> None:
    data = reference_data()
    with_ml = [where for where, expr in panel_queries(dashboards(load(data))) if "zscore" in expr]
    data["intelligent_alerts"]["machine_learning"] = False
    spec = load(data)
    known = recorded_names(rule_files(spec)) | INPUT_METRICS
    without = list(panel_queries(dashboards(spec)))
    assert len(with_ml) == 3 and not [w for w, expr in without if "zscore" in expr]
    assert all(metric_names(expr) <= known for _, expr in without)
