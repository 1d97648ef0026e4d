"""The alertmanager target, checked by the real amtool and a live Alertmanager 0.25."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from am_live import alert, alert_states, alertmanager, post_alerts, recording_server
from am_render import amtool, check_config, render_to, route_receivers
from am_specs import SECRETS, load, many_tenants_data, minimal_data, native_data, reference_data
from tenantwatch import conventions
from tenantwatch.render import RenderError, RenderOptions
from tenantwatch.render.alertmanager import render_alertmanager
from tenantwatch.render.alertmanager_intervals import one_off


@pytest.mark.parametrize("name,data", [
    ("reference", reference_data()), ("minimal", minimal_data()), ("many-tenants", many_tenants_data()),
])
def test_engine_delivery_passes_amtool_and_sends_everything_to_the_engine(tmp_path: Path, name: str, data: dict) -> None:
    config = render_to(load(data), tmp_path)
    check_config(config)
    rendered = yaml.safe_load(config.read_text())
    webhook = rendered["receivers"][1]["webhook_configs"][0]
    assert webhook["url"].endswith(conventions.ENGINE_WEBHOOK_PATH) and webhook["send_resolved"] is True
    assert webhook["http_config"]["authorization"]["credentials_file"] == load(data).engine.intake_key_file
    assert route_receivers(config, tenant="acme", service="api", alertname="ApiLatencyHigh", severity="critical") == [conventions.ENGINE_RECEIVER]
    assert route_receivers(config, tenant=conventions.PLATFORM_TENANT, alertname=conventions.WATCHDOG, severity="none") == [conventions.NULL_RECEIVER]
    assert conventions.TENANT in rendered["route"]["group_by"]
    # The engine cannot report its own death: its alerts go to the L1 channels that have a *_file form.
    expected = ["slack-alerts"] if data.get("escalation") else [conventions.ENGINE_RECEIVER]
    assert route_receivers(config, tenant=conventions.PLATFORM_TENANT, alertname=conventions.ALERT_ENGINE_DOWN, severity="critical") == expected


def test_native_delivery_routes_l1_channels_and_pages_only_paging_tenants(tmp_path: Path) -> None:
    config = render_to(load(native_data()), tmp_path, include_secrets=True, environ=SECRETS)
    check_config(config)
    acme_critical = route_receivers(config, tenant="acme", tier="enterprise", service="api", alertname="X", severity="critical")[0]
    initech_critical = route_receivers(config, tenant="initech", tier="free", service="api", alertname="X", severity="critical")[0]
    acme_warning = route_receivers(config, tenant="acme", tier="enterprise", service="api", alertname="X", severity="warning")[0]
    assert acme_critical.split("+") == ["slack-alerts", "discord-team", "pagerduty-critical"]
    assert initech_critical.split("+") == ["slack-alerts", "discord-team"]  # free tier: page: false
    assert acme_warning.split("+") == ["slack-alerts", "discord-team"]
    receivers = {r["name"]: r for r in yaml.safe_load(config.read_text())["receivers"]}
    assert receivers[acme_critical]["discord_configs"][0]["webhook_url"] == SECRETS["DISCORD_WEBHOOK_URL"]


def test_many_page_less_tenants_never_reach_pagerduty(tmp_path: Path) -> None:
    data = many_tenants_data()
    data["alert_delivery"] = "alertmanager"
    config = render_to(load(data), tmp_path, include_secrets=True, environ=SECRETS)
    check_config(config)
    assert "pagerduty" not in route_receivers(config, tenant="tenant-0003", tier="free", service="db", alertname="X", severity="critical")[0]
    assert "pagerduty" in route_receivers(config, tenant="tenant-0004", tier="standard", service="db", alertname="X", severity="critical")[0]


def test_discord_without_include_secrets_is_refused_with_what_to_do() -> None:
    with pytest.raises(RenderError) as raised:
        render_alertmanager(load(native_data()), RenderOptions(environ=SECRETS))
    message = str(raised.value)
    assert "channels.discord-team.webhook_url" in message and "--include-secrets" in message
    assert "DISCORD_WEBHOOK_URL" in message and SECRETS["DISCORD_WEBHOOK_URL"] not in message


def test_include_secrets_names_an_unset_variable_without_printing_any_value() -> None:
    environ = {k: v for k, v in SECRETS.items() if k != "DISCORD_WEBHOOK_URL"}
    with pytest.raises(RenderError) as raised:
        render_alertmanager(load(native_data()), RenderOptions(include_secrets=True, environ=environ))
    assert "channels.discord-team.webhook_url" in str(raised.value) and "DISCORD_WEBHOOK_URL" in str(raised.value)
    assert not any(value in str(raised.value) for value in SECRETS.values())


def test_include_secrets_never_inlines_a_secret_alertmanager_can_read_from_a_file(tmp_path: Path) -> None:
    """Only Discord's webhook_url (no *_file form in 0.25) is resolved; Slack, PagerDuty and
    SMTP secrets stay file references, also for `file:` secrets, whose content is never copied."""
    (tmp_path / "pd.key").write_text(SECRETS["PAGERDUTY_ROUTING_KEY"])
    data = native_data()
    data["escalation"][0]["notify"].append("email-sre")
    data["channels"]["pagerduty-critical"]["routing_key"] = f"file:{tmp_path}/pd.key"
    spec = load(data)
    config = render_to(spec, tmp_path / "am", include_secrets=True, environ=SECRETS)
    check_config(config)
    text = config.read_text()
    inlined = [name for name, value in SECRETS.items() if value in text]
    assert inlined == ["DISCORD_WEBHOOK_URL"]
    secrets_dir = spec.alertmanager.secrets_dir
    for line in (f"api_url_file: {secrets_dir}/SLACK_WEBHOOK_URL", f"routing_key_file: {tmp_path}/pd.key",
                 f"auth_password_file: {secrets_dir}/SMTP_PASSWORD"):
        assert line in text


def test_without_include_secrets_secrets_are_file_references_only(tmp_path: Path) -> None:
    spec = load(native_data(with_discord=False))
    config = render_to(spec, tmp_path, environ=SECRETS)
    check_config(config)
    every_file = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert not any(value in every_file for value in SECRETS.values())
    text = config.read_text()
    secrets_dir = spec.alertmanager.secrets_dir
    for field, variable in [("api_url_file", "SLACK_WEBHOOK_URL"), ("routing_key_file", "PAGERDUTY_ROUTING_KEY"),
                            ("auth_password_file", "SMTP_PASSWORD")]:
        assert f"{field}: {secrets_dir}/{variable}" in text
    email = yaml.safe_load(text)["receivers"]
    email_configs = [c for r in email for c in r.get("email_configs", [])]
    assert email_configs and all(isinstance(c["to"], str) for c in email_configs)


def test_templates_show_tenant_service_severity_summary_and_runbook(tmp_path: Path) -> None:
    render_to(load(reference_data()), tmp_path)
    labels = {"alertname": "ApiLatencyHigh", "tenant": "acme", "service": "api", "severity": "critical"}
    data = {"receiver": "r", "status": "firing", "groupLabels": labels, "commonLabels": labels, "commonAnnotations": {},
            "externalURL": "http://am", "alerts": [{"status": "firing", "labels": labels, "annotations": {
                "summary": "p95 latency 450ms", "description": "above the 200ms objective",
                "runbook_url": "https://runbooks.example.com/tenantwatch/latency"}}]}
    (tmp_path / "data.json").write_text(json.dumps(data))
    for name in ("slack.text", "discord.message", "email.html"):
        run = amtool("template", "render", f"--template.glob={tmp_path}/templates/*.tmpl",
                     f"--template.data={tmp_path}/data.json", f'--template.text={{{{ template "tenantwatch.{name}" . }}}}')
        assert run.returncode == 0, run.stderr
        for expected in ("acme", "api", "critical", "p95 latency 450ms", "above the 200ms objective", "runbooks.example.com"):
            assert expected in run.stdout, (name, run.stdout)


def test_one_off_window_becomes_calendar_intervals_covering_exactly_the_window() -> None:
    utc = dt.timezone.utc
    entries = one_off(dt.datetime(2026, 1, 30, 22, 0, tzinfo=utc), dt.datetime(2026, 2, 3, 6, 30, tzinfo=utc))
    assert entries == [
        {"times": [{"start_time": "22:00", "end_time": "24:00"}], "days_of_month": ["30"], "months": ["1"], "years": ["2026"], "location": "UTC"},
        {"days_of_month": ["31"], "months": ["1"], "years": ["2026"], "location": "UTC"},
        {"days_of_month": ["1:2"], "months": ["2"], "years": ["2026"], "location": "UTC"},
        {"times": [{"start_time": "00:00", "end_time": "06:30"}], "days_of_month": ["3"], "months": ["2"], "years": ["2026"], "location": "UTC"},
    ]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    """A live Alertmanager rendered with the fast profile, delivering to a recording engine."""
    folder = tmp_path_factory.mktemp("am-live")
    (folder / "intake.key").write_text("intake-key-123\n")
    now = dt.datetime.now(dt.timezone.utc)
    with recording_server() as (engine_url, recorder):
        data = reference_data()
        data["engine"] = {"url": engine_url, "intake_key_file": str(folder / "intake.key")}
        data["maintenance"] = [{"name": "initech-now", "tenants": ["initech"],
                                "start": (now - dt.timedelta(hours=1)).isoformat(), "end": (now + dt.timedelta(hours=2)).isoformat()}]
        config = render_to(load(data), folder / "config", profile="fast")
        with alertmanager(config, folder) as url:
            yield url, recorder


def delivered(requests: list) -> list[tuple[str, str, str]]:
    return [(a["labels"]["tenant"], a["labels"]["alertname"], a["labels"]["severity"])
            for _, _, body in requests for a in body["alerts"]]


def test_live_engine_webhook_gets_v4_payloads_with_the_bearer_key_grouped_per_tenant(live) -> None:
    url, recorder = live
    sent = [alert("acme", "QueueBacklog", "warning", "jobs"), alert("globex", "QueueBacklog", "warning", "jobs"),
            alert("acme", "JobFailures", "warning", "jobs"), alert("globex", "JobFailures", "warning", "jobs"),
            alert(conventions.PLATFORM_TENANT, conventions.WATCHDOG, "none"),
            alert(conventions.PLATFORM_TENANT, conventions.ALERT_ENGINE_DOWN, "critical")]
    post_alerts(url, sent)
    expected = {("acme", "QueueBacklog", "warning"), ("globex", "QueueBacklog", "warning"),
                ("acme", "JobFailures", "warning"), ("globex", "JobFailures", "warning")}
    requests = recorder.wait_for(lambda reqs: expected <= set(delivered(reqs)))
    for path, headers, body in requests:
        assert path == conventions.ENGINE_WEBHOOK_PATH
        assert headers["authorization"] == "Bearer intake-key-123"
        assert body["version"] == "4" and body["receiver"] == conventions.ENGINE_RECEIVER
        assert len({a["labels"]["tenant"] for a in body["alerts"]}) == 1, body
        assert body["groupLabels"]["tenant"] == body["alerts"][0]["labels"]["tenant"]
    assert {conventions.WATCHDOG, conventions.ALERT_ENGINE_DOWN}.isdisjoint(name for _, name, _ in delivered(requests))


def test_live_inhibition_stays_inside_the_tenant(live) -> None:
    url, recorder = live
    post_alerts(url, [
        alert("acme", "QueueStuck", "critical", "jobs"), alert("acme", "QueueStuck", "warning", "jobs"),
        alert("globex", "QueueStuck", "warning", "jobs"),
        alert("acme", conventions.ALERT_SERVICE_DOWN, "critical", "db"),
        alert("acme", "ModelAccuracyLow", "warning", "recommender"), alert("globex", "ModelAccuracyLow", "warning", "recommender"),
        alert("acme", "CacheClientsHigh", "warning", "cache"),
    ])
    active = [("globex", "QueueStuck", "warning"), ("globex", "ModelAccuracyLow", "warning"), ("acme", "CacheClientsHigh", "warning")]
    suppressed = [("acme", "QueueStuck", "warning"), ("acme", "ModelAccuracyLow", "warning")]  # by the critical; by db down
    requests = recorder.wait_for(lambda reqs: {*active, ("acme", "QueueStuck", "critical")} <= set(delivered(reqs)))
    states = alert_states(url)
    for key in suppressed:
        assert states[key]["state"] == "suppressed" and states[key]["inhibitedBy"], key
    for key in active:
        assert states[key]["state"] == "active", key
    assert set(suppressed).isdisjoint(delivered(requests))


def test_live_engine_still_receives_the_alerts_of_a_tenant_in_maintenance(live) -> None:
    """With alert_delivery: engine the engine holds notifications during maintenance (and
    records the alerts as held), so Alertmanager must not mute the engine's route."""
    url, recorder = live
    post_alerts(url, [alert("initech", "CacheMemoryHigh", "warning", "cache"), alert("acme", "CacheMemoryHigh", "warning", "cache")])
    recorder.wait_for(lambda reqs: {("acme", "CacheMemoryHigh", "warning"), ("initech", "CacheMemoryHigh", "warning")}
                      <= set(delivered(reqs)))
