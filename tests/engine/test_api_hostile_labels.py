"""Hostile label values at the intake: a tenant that is not a tenant id, control characters in
the labels the engine shows, NUL bytes the database cannot hold, dates out of range. Each is a
422 naming the alert and the label, nothing is stored, and the dashboard keeps working for
every tenant afterwards."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.engine.conftest import Engine, alert, webhook
from tests.web.web_support import login

HOSTILE_TENANTS = {
    "quote and brace": 'Acme"}',
    "trailing newline": "acme\n",
    "upper case": "ACME",
    "64 characters": "a" * 64,
    "space": "ac me",
    "non-ascii": "acmé",
    "leading dash": "-acme",
    "promql injection": 'acme"} or vector(1) #',
}


def _post_fourth(engine: Engine, bad: dict) -> dict:
    """Three good alerts and `bad` fourth (index 3), as one webhook."""
    good = [alert(tenant="acme", name=f"Good{i}") for i in range(3)]
    response = engine.client.post("/api/v1/alertmanager", json=webhook([*good, bad]), headers=engine.auth("intake"))
    assert response.status_code == 422, response.text
    assert engine.incidents() == []  # not even the good alerts of the batch
    return response.json()["error"]


@pytest.mark.parametrize("tenant", list(HOSTILE_TENANTS.values()), ids=list(HOSTILE_TENANTS))
def test_a_tenant_label_that_is_not_a_tenant_id_is_refused_at_its_path(engine: Engine, tenant: str) -> None:
    error = _post_fourth(engine, alert(tenant=tenant, fingerprint="hostile"))
    assert error["code"] == "invalid_payload"
    assert error["message"].startswith("alerts[3].labels.tenant: ")
    assert "DNS-1123" in error["message"]
    assert tenant not in error["message"]  # the refused value is not echoed back


def test_the_longest_tenant_id_and_the_platform_are_accepted(engine: Engine) -> None:
    longest = "a" * 63
    response = engine.post([alert(tenant=longest, fingerprint="longest"), alert(tenant="platform", service="db", scope="shared")])
    assert response.status_code == 200, response.text
    assert {i["tenant"] for i in engine.incidents()} == {longest, "platform"}


@pytest.mark.parametrize(("label", "value"), [
    ("service", "api\n"), ("service", "a" * 65), ("severity", "critical\r\n"), ("alertname", "High\x1b[31mErrors"),
])
def test_id_like_labels_refuse_control_characters_and_overlength(engine: Engine, label: str, value: str) -> None:
    bad = alert()
    bad["labels"][label] = value
    assert _post_fourth(engine, bad)["message"].startswith(f"alerts[3].labels.{label}: ")


def test_what_alertmanager_legitimately_sends_is_accepted(engine: Engine) -> None:
    """Severities the engine does not page on (the Watchdog's `none`), services outside the spec,
    unicode and newlines in other labels and in annotations are all an Alertmanager may send."""
    watchdog = alert(tenant="platform", service=None, name="Watchdog", severity="none")
    other = alert(service="Payment API", severity="page", name="custom:alert_name", team="Équipe de nuit")
    other["annotations"]["description"] = "line one\nline two\t(tabbed) ✓"
    other["labels"]["note"] = "multi\nline"
    response = engine.post([watchdog, other])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("where", ["labels", "annotations"])
def test_a_nul_character_is_refused_wherever_it_is(engine: Engine, where: str) -> None:
    """PostgreSQL cannot store NUL in text: refused up front instead of failing later."""
    bad = alert()
    bad[where]["summary"] = "before\x00after"
    error = _post_fourth(engine, bad)
    assert error["message"].startswith(f"alerts[3].{where}.summary: ") and "NUL" in error["message"]


@pytest.mark.parametrize("starts", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
def test_a_date_out_of_range_in_utc_is_a_422_not_a_500(engine: Engine, starts: str) -> None:
    bad = alert()
    bad["startsAt"] = starts
    assert _post_fourth(engine, bad)["message"].startswith("alerts[3].startsAt: ")


def test_the_dashboard_overview_works_for_every_tenant_after_a_hostile_attempt(engine: Engine) -> None:
    """A tenant id that cannot go into a PromQL selector used to be stored and then broke the
    overview's one query for all tenants (500), for the admin and for every tenant."""
    app = engine.client.app
    app.state.prometheus_url = "http://127.0.0.1:9"  # the overview builds its query before asking
    assert engine.post([alert(tenant="acme"), alert(tenant="globex")]).status_code == 200
    hostile = engine.client.post("/api/v1/alertmanager", content=json.dumps(webhook([alert(tenant='Acme"}')])),
                                 headers={**engine.auth("intake"), "content-type": "application/json"})
    for who in ("admin", "acme", "globex"):
        with TestClient(app) as browser:
            login(browser, engine.keys[who])
            page = browser.get("/ui/")
            assert page.status_code == 200, (who, page.text[:500])
            assert "acme" in page.text if who != "globex" else "globex" in page.text
    assert hostile.status_code == 422
