"""alert_delivery: alertmanager on a platform with tiers and shared services: routes match
the alerts' `tier` label, maintenance mutes the native receivers, and a shared outage pages
once. Checked with amtool and a live Alertmanager 0.25 delivering to recording stand-ins."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from am_live import alert, alert_states, alertmanager, post_alerts, recording_server
from am_render import check_config, render_to, route_receivers
from am_specs import SECRETS, load, native_data, reference_data
from tenantwatch import conventions
from tenantwatch.render import RenderOptions
from tenantwatch.render.alertmanager import render_alertmanager

PLATFORM = conventions.PLATFORM_TENANT


def tiered_data() -> dict:
    """Native delivery; db and cache shared; tenants that override their tier's `page`."""
    data = native_data()
    data["services"]["db"]["shared"] = True
    data["services"]["cache"]["shared"] = True
    data["tenants"] |= {"hooli": {"tier": "free", "page": True},         # pages although its tier does not
                        "umbrella": {"tier": "enterprise", "page": False},  # quiet although its tier pages
                        "stark": {"page": False}}                          # no tier, quiet by name
    return data


def routed(config: Path, tenant: str, tier: str | None = None, severity: str = "critical") -> list[str]:
    labels = {"tenant": tenant, "service": "api", "alertname": "X", "severity": severity}
    if tier:
        labels["tier"] = tier
    return route_receivers(config, **labels)[0].split("+")


def test_routes_page_by_tier_and_by_explicit_tenant_overrides(tmp_path: Path) -> None:
    config = render_to(load(tiered_data()), tmp_path, include_secrets=True, environ=SECRETS)
    check_config(config)
    pages = {"acme": ("enterprise",), "initech": ("free",), "newcomer": ("free",), "hooli": ("free",),
             "umbrella": ("enterprise",), "stark": (None,), PLATFORM: (None,)}
    paged = {tenant for tenant, (tier,) in pages.items() if "pagerduty-critical" in routed(config, tenant, tier)}
    assert paged == {"acme", "hooli", PLATFORM}
    assert routed(config, "initech", "free") == ["slack-alerts", "discord-team"]  # still told, never paged
    assert "pagerduty-critical" not in routed(config, "acme", "enterprise", severity="warning")


def test_a_thousand_tier_only_tenants_add_no_line_to_alertmanager_yml(tmp_path: Path) -> None:
    data = tiered_data()
    before = render_to(load(data), tmp_path / "before", include_secrets=True, environ=SECRETS).read_text()
    data["tenants"] |= {f"t{i:04d}": {"tier": ("free", "standard", "enterprise")[i % 3]} for i in range(1000)}
    after = render_to(load(data), tmp_path / "after", include_secrets=True, environ=SECRETS).read_text()
    assert after == before


def inhibit_rules(data: dict) -> list[dict]:
    files = render_alertmanager(load(data), RenderOptions(include_secrets=True, environ=SECRETS))
    return yaml.safe_load(files["alertmanager.yml"])["inhibit_rules"]


def test_only_native_delivery_inhibits_across_tenants_and_only_from_the_platform() -> None:
    native = tiered_data()
    crossing = [r for r in inhibit_rules(native) if conventions.TENANT not in r.get("equal", [])]
    assert sorted(r["source_matchers"][-1] for r in crossing) == ['service="cache"', 'service="db"']
    for rule in crossing:
        assert f'{conventions.TENANT}="{PLATFORM}"' in rule["source_matchers"]
        assert f'{conventions.SCOPE}="{conventions.SCOPE_SHARED}"' in rule["source_matchers"]
        assert f'{conventions.TENANT}!="{PLATFORM}"' in rule["target_matchers"]
    engine = tiered_data() | {"alert_delivery": "engine"}  # the engine links tenant incidents itself
    assert all(conventions.TENANT in r["equal"] for r in inhibit_rules(engine))


def test_engine_delivery_never_mutes_a_route_for_maintenance() -> None:
    data = reference_data()
    files = render_alertmanager(load(data), RenderOptions())
    assert "mute_time_intervals" not in files["alertmanager.yml"]
    native = render_alertmanager(load(native_data()), RenderOptions(include_secrets=True, environ=SECRETS))
    assert "mute_time_intervals" in native["alertmanager.yml"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    """A live Alertmanager (fast profile) with native receivers; Slack, Discord and PagerDuty
    are one recording server. Tenant globex is in maintenance now."""
    folder = tmp_path_factory.mktemp("am-native")
    now = dt.datetime.now(dt.timezone.utc)
    with recording_server() as (saas_url, recorder):
        (folder / "slack.url").write_text(f"{saas_url}/slack")
        (folder / "pd.key").write_text("pd-routing-key")
        data = tiered_data()
        data["maintenance"] = [{"name": "globex-now", "tenants": ["globex"],
                                "start": (now - dt.timedelta(hours=1)).isoformat(), "end": (now + dt.timedelta(hours=2)).isoformat()}]
        data["channels"]["slack-alerts"]["webhook_url"] = f"file:{folder}/slack.url"
        data["channels"]["pagerduty-critical"] |= {"routing_key": f"file:{folder}/pd.key", "url": f"{saas_url}/pagerduty"}
        environ = {"DISCORD_WEBHOOK_URL": f"{saas_url}/discord"}
        config = render_to(load(data), folder / "config", profile="fast", include_secrets=True, environ=environ)
        with alertmanager(config, folder) as url:
            yield url, recorder


def bodies(requests: list, path: str) -> list[str]:
    return [json.dumps(body) for p, _, body in requests if p == path]


def test_live_native_receivers_notify_l1_channels_and_page_only_paging_tenants(live) -> None:
    url, recorder = live
    post_alerts(url, [alert("acme", "JobsStuck", "critical", "jobs", tier="enterprise"),
                      alert("initech", "JobsStuck", "critical", "jobs", tier="free")])
    requests = recorder.wait_for(lambda reqs: sum("JobsStuck" in b for b in bodies(reqs, "/slack")) >= 2
                                 and sum("JobsStuck" in b for b in bodies(reqs, "/discord")) >= 2
                                 and any("JobsStuck" in b for b in bodies(reqs, "/pagerduty")))
    for channel in ("/slack", "/discord"):
        assert any("tenant acme / jobs" in text for text in bodies(requests, channel))
        assert any("tenant initech / jobs" in text for text in bodies(requests, channel))
    pages = bodies(requests, "/pagerduty")
    assert all("initech" not in text and "pd-routing-key" in text for text in pages)  # initech: free tier


def test_live_maintenance_mutes_the_native_receivers_of_its_tenant_only(live) -> None:
    url, recorder = live
    post_alerts(url, [alert("globex", "CacheSlow", "warning", "cache", tier="standard"),
                      alert("acme", "CacheSlow", "warning", "cache", tier="enterprise")])
    recorder.wait_for(lambda reqs: any("tenant acme / cache: CacheSlow" in b for b in bodies(reqs, "/slack")))
    # Same group timers as acme's: two more group intervals pass without globex's alert.
    with pytest.raises(AssertionError):
        recorder.wait_for(lambda reqs: any("tenant globex" in b for b in bodies(reqs, "/slack")), timeout=5)


def test_live_one_shared_outage_pages_once(live) -> None:
    """The shared db is down: its platform alert pages; the tenants' critical alerts of
    services that depend on db (api directly, recommender too) do not, while an unrelated
    critical alert of the same tenant still pages."""
    url, recorder = live
    dependents = [alert("acme", "TenantApiErrorRateHigh", "critical", "api", tier="enterprise", scope="tenant"),
                  alert("hooli", "TenantApiErrorRateHigh", "critical", "api", tier="free", scope="tenant"),
                  alert("acme", "TenantModelAccuracyLow", "critical", "recommender", tier="enterprise", scope="tenant")]
    post_alerts(url, [alert(PLATFORM, conventions.ALERT_SERVICE_DOWN, "critical", "db", scope="shared"), *dependents,
                      alert("acme", "TenantQueueBacklog", "critical", "jobs", tier="enterprise", scope="tenant")])
    requests = recorder.wait_for(lambda reqs: any(conventions.ALERT_SERVICE_DOWN in b for b in bodies(reqs, "/pagerduty"))
                                 and any("TenantQueueBacklog" in b for b in bodies(reqs, "/pagerduty")))
    outage_pages = [b for b in bodies(requests, "/pagerduty") if "TenantQueueBacklog" not in b and "JobsStuck" not in b]
    assert len(outage_pages) == 1 and conventions.ALERT_SERVICE_DOWN in outage_pages[0]
    states = alert_states(url)
    for suppressed in dependents:
        labels = suppressed["labels"]
        status = states[(labels["tenant"], labels["alertname"], labels["severity"])]
        assert status["state"] == "suppressed" and status["inhibitedBy"], labels
