"""Platform incidents on the dashboard: a tenant user sees the ones that affect its tenant,
read-only and without any other tenant's name; an admin sees and acts on everything."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import Engine

from tests.engine.conftest import shared_spec

SHARED = pytest.mark.parametrize("spec", [shared_spec()], ids=["shared-db"])


def _outage(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    """acme's and globex's API errors, then the shared database's down alert."""
    engine.post_alert("acme", "HighErrorRate")
    engine.post_alert("globex", "HighErrorRate")
    engine.post_alert("platform", "TenantPostgresDown", service="db", severity="critical", scope="shared")
    incidents = engine.incidents()
    [platform] = [i for i in incidents if i["tenant"] == "platform"]
    [acme] = [i for i in incidents if i["tenant"] == "acme"]
    return platform, acme


@SHARED
def test_a_tenant_user_reads_the_platform_incident_without_acting_or_seeing_others(engine: Engine, acme: TestClient,
                                                                                 admin: TestClient) -> None:
    platform, mine = _outage(engine)
    listing = acme.get("/ui/incidents").text
    assert f'href="/ui/incidents/{platform["id"]}"' in listing and "TenantPostgresDown" in listing
    assert f"caused by <a href=\"/ui/incidents/{platform['id']}\">platform incident #{platform['id']}</a>" in listing
    detail = acme.get(f"/ui/incidents/{platform['id']}")
    assert detail.status_code == 200 and "Read-only here" in detail.text and "Affects acme." in detail.text
    assert 'id="ack"' not in detail.text and 'id="resolve"' not in detail.text
    for page in (listing, detail.text, acme.get(f"/ui/api/incidents/{platform['id']}").text):
        assert "globex" not in page and "initech" not in page
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', listing).group(1)
    refused = acme.post(f"/ui/incidents/{platform['id']}/ack", data={"csrf": csrf})
    assert refused.status_code == 403 and "platform incident" in refused.text
    assert acme.get("/ui/api/overview").json() == {"tenants": {"acme": {"open": 2, "worst": "critical"}}}
    mine_page = acme.get(f"/ui/incidents/{mine['id']}").text
    assert f"platform incident #{platform['id']}" in mine_page and 'id="ack"' in mine_page
    everything = admin.get(f"/ui/incidents/{platform['id']}").text
    assert "Affects acme, globex, initech." in everything and 'id="ack"' in everything


@SHARED
def test_a_tenant_stream_carries_the_platform_incident_that_affects_it(engine: Engine, stream_of: Any) -> None:
    acme = stream_of("acme")
    assert acme.next("snapshot") == {"incidents": []}
    engine.post_alert("platform", "TenantPostgresDown", service="db", severity="critical", scope="shared")
    incident = acme.next("incident")
    assert incident["tenant"] == "platform" and incident["affected_tenants"] == ["acme"]
