"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): log in, open the
incident list, post an Alertmanager webhook to the engine, and see the incident appear
without a reload. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import httpx
import pytest
from web_support import ARTIFACTS, Engine, ServedApp, browser_log_in

pytestmark = pytest.mark.browser


def test_a_new_incident_appears_without_a_reload(engine: Engine, served: ServedApp, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    browser_log_in(page, served, engine.keys["acme"])
    page.wait_for_selector("#live-state.on")
    page.evaluate("window.__notReloaded = true")
    page.screenshot(path=str(ARTIFACTS / "incidents-before.png"), full_page=True)

    engine.post_alert("globex", "GlobexOnlyAlert", via=served.url)
    engine.post_alert("acme", "HighErrorRate", severity="critical", via=served.url)

    row = page.wait_for_selector("tr.incident:has-text('HighErrorRate')")
    assert "acme" in row.inner_text() and "critical" in row.inner_text()
    assert page.evaluate("window.__notReloaded") is True
    assert "GlobexOnlyAlert" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "incidents-live.png"), full_page=True)

    row.query_selector("a").click()
    page.wait_for_selector("#ack")
    page.click("#ack")
    page.wait_for_selector("#incident-status:has-text('acknowledged')")
    assert "alice" in page.inner_text("#timeline")
    page.screenshot(path=str(ARTIFACTS / "incident-detail.png"), full_page=True)

    # resolved elsewhere (through the API): the open detail page follows without a reload
    page.wait_for_selector("#live-state.on")
    page.evaluate("window.__notReloaded = true")
    incident_id = page.get_attribute("body", "data-incident-id")
    resolved = httpx.post(f"{served.url}/api/v1/incidents/{incident_id}/resolve", json={"force": True},
                          headers={"Authorization": f"Bearer {engine.keys['admin']}"}, timeout=10)
    assert resolved.status_code == 200
    page.wait_for_selector("#incident-status:has-text('resolved')")
    assert page.evaluate("window.__notReloaded") is True
    assert "root" in page.inner_text("#timeline") and not page.query_selector("#resolve")


def test_charts_draw_the_tenants_series(engine: Engine, served: ServedApp, browser_page,  # type: ignore[no-untyped-def]
                                        prometheus_url: str) -> None:
    engine.app.state.prometheus_url = prometheus_url
    page = browser_page
    browser_log_in(page, served, engine.keys["globex"])
    page.goto(f"{served.url}/ui/charts")
    page.wait_for_selector(".chart[data-signal=traffic] canvas")
    page.wait_for_selector(".chart[data-signal=error_ratio] canvas")
    legend = page.inner_text(".chart[data-signal=traffic] .u-legend")
    assert "api" in legend
    page.screenshot(path=str(ARTIFACTS / "charts-globex.png"), full_page=True)


def test_charts_page_explains_missing_metrics(engine: Engine, served: ServedApp, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    browser_log_in(page, served, engine.keys["admin"])
    page.goto(f"{served.url}/ui/charts?tenant=acme")
    message = page.wait_for_selector(".chart[data-signal=traffic] .chart-message:not([hidden])")
    assert "PROMETHEUS_URL" in message.inner_text()


def test_overview_counts_follow_new_incidents(engine: Engine, served: ServedApp, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    browser_log_in(page, served, engine.keys["admin"])
    page.goto(f"{served.url}/ui/")
    page.wait_for_selector("#live-state.on")
    assert page.inner_text('[data-open-count="acme"]') == "0"
    engine.post_alert("acme", "HighErrorRate", severity="critical", via=served.url)
    page.wait_for_selector('[data-health="acme"].critical')
    assert page.inner_text('[data-open-count="acme"]') == "1"
    assert page.inner_text('[data-open-count="globex"]') == "0"
    page.screenshot(path=str(ARTIFACTS / "overview-admin.png"), full_page=True)
