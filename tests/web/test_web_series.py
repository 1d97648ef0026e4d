"""Series through the engine, tenant-enforced like prom-label-proxy, against a real Prometheus.

The exporter serves acme (10 req/s, no errors) and globex (40 req/s, 25% errors); whatever
a tenant session asks, only its own tenant's series come back.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_prometheus import RATES, RECORDED_ZSCORE
from web_support import Engine

from tenantwatch.web.signals import SIGNALS, SignalError, build_queries, parse_range


@pytest.fixture(autouse=True)
def _prometheus(prometheus_url: str, engine: Engine) -> None:
    engine.app.state.prometheus_url = prometheus_url  # the engine setting (PROMETHEUS_URL is the fallback)


def _series(client: TestClient, **params: str) -> list[dict]:
    response = client.get("/ui/api/series", params={"range": "1m", **params})
    assert response.status_code == 200, response.text
    return response.json()["series"]


def _last(series: dict) -> float:
    return [v for _, v in series["points"] if v is not None][-1]


def test_a_tenant_gets_its_own_series_only(acme: TestClient, globex: TestClient) -> None:
    [line] = _series(acme, signal="traffic")
    assert line["labels"]["tenant"] == "acme"
    [other] = _series(globex, signal="traffic")
    assert other["labels"]["tenant"] == "globex"
    # both tenants come from one scrape, so at a shared timestamp their rates keep the exporter's ratio
    mine, theirs = dict(line["points"]), dict(other["points"])
    shared = max(t for t in mine if t in theirs and mine[t] and theirs[t])
    assert mine[shared] / theirs[shared] == pytest.approx(RATES["acme"] / RATES["globex"], rel=0.05)
    [errors] = _series(acme, signal="error_ratio")
    assert errors["labels"]["tenant"] == "acme" and _last(errors) == 0


def test_recorded_anomaly_scores_come_first_and_stay_in_the_tenant(acme: TestClient) -> None:
    [line] = _series(acme, signal="traffic_anomaly")
    assert line["labels"] == {"tenant": "acme", "service": "api"}
    assert _last(line) == RECORDED_ZSCORE


def test_a_tenant_naming_another_tenant_is_refused(acme: TestClient) -> None:
    response = acme.get("/ui/api/series", params={"signal": "traffic", "range": "1m", "tenant": "globex"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    charts = acme.get("/ui/charts", params={"tenant": "globex"})  # not silently acme's charts instead
    assert charts.status_code == 403 and "own tenant" in charts.text and 'data-tenant="acme"' not in charts.text
    assert acme.get("/ui/charts", params={"tenant": "acme"}).status_code == 200


@pytest.mark.parametrize("signal", [
    'traffic"} or http_requests_total{tenant="globex',
    "sum(http_requests_total)",
    "traffic{tenant=\"globex\"}",
    "",
])
def test_crafted_signals_are_refused(acme: TestClient, signal: str) -> None:
    response = acme.get("/ui/api/series", params={"signal": signal, "range": "1m"})
    assert response.status_code == 400 and "signal" in response.json()["error"]["message"]


@pytest.mark.parametrize("tenant", ['acme"} or vector(1) or {x="', "acme|globex", ".*", "ACME", ""])
def test_crafted_tenants_are_refused_even_for_an_admin(admin: TestClient, tenant: str) -> None:
    response = admin.get("/ui/api/series", params={"signal": "traffic", "range": "1m", "tenant": tenant})
    assert response.status_code == 400 and "tenant" in response.json()["error"]["message"]


def test_an_admin_chooses_the_tenant(admin: TestClient) -> None:
    [line] = _series(admin, signal="error_ratio", tenant="globex")
    assert line["labels"]["tenant"] == "globex"
    assert _last(line) == pytest.approx(0.25, rel=0.05)


@pytest.mark.parametrize("bad_range", ["10s", "30d", "soon", "1h; drop"])
def test_ranges_are_bounded(acme: TestClient, bad_range: str) -> None:
    response = acme.get("/ui/api/series", params={"signal": "traffic", "range": bad_range})
    assert response.status_code == 400 and "range" in response.json()["error"]["message"]


def test_overview_shows_availability_and_budget_from_prometheus(admin: TestClient) -> None:
    page = admin.get("/ui/").text
    assert "Metrics unavailable" not in page
    # globex serves 25% errors: far below its 99.9% objective, budget overspent
    globex_row = page.split('data-tenant="globex"')[1].split("</tr>")[0]
    assert "75.000%" in globex_row and "badge degraded" in globex_row and "overspent" in globex_row
    acme_row = page.split('data-tenant="acme"')[1].split("</tr>")[0]
    assert "100.000%" in acme_row and "badge healthy" in acme_row


def test_every_signal_is_valid_promql_with_the_tenant_enforced(prometheus_url: str) -> None:
    import httpx

    for name in SIGNALS:
        for query in build_queries(name, "acme"):
            assert 'tenant="acme"' in query and "globex" not in query
            answer = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": query}, timeout=5).json()
            assert answer["status"] == "success", (name, query, answer)


def test_range_parsing() -> None:
    assert parse_range("1h") == (3600.0, 15)
    with pytest.raises(SignalError):
        build_queries("traffic", "Acme")
