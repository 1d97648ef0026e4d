"""The grafana target: five SDK-built dashboards and provisioning, checked against a real Prometheus."""

from __future__ import annotations

import yaml

import pytest

from am_specs import load, many_tenants_data, minimal_data, reference_data
from gf_dashboards import dashboards, panels
from tenantwatch import conventions
from tenantwatch.render import RenderOptions
from tenantwatch.render.grafana import render_grafana

SPECS = {"reference": reference_data, "minimal": minimal_data, "many-tenants": many_tenants_data}


@pytest.mark.parametrize("name", SPECS)
def test_five_dashboards_each_with_a_tenant_variable_and_the_fixed_datasource(name: str) -> None:
    boards = dashboards(load(SPECS[name]()))
    assert sorted(b["uid"] for b in boards.values()) == sorted(conventions.DASHBOARD_UIDS.values())
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
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), path


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
