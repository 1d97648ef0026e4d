"""Each channel posts the payload shape its real service documents, to the configured endpoint."""

from __future__ import annotations

import pytest

from tenantwatch.channels import deliver
from tenantwatch.spec.models import DiscordChannel, PagerDutyChannel, SlackChannel, WebhookChannel

NO_WAIT = {"sleep": lambda seconds: None}


def test_slack_posts_text_blocks_and_colour(recorder, notification):
    config = SlackChannel(type="slack", webhook_url="env:SLACK_URL", channel="#alerts")
    result = deliver(config, notification, {"SLACK_URL": recorder.url("/services/T0/B0/XYZ")}, **NO_WAIT)

    assert result.ok, result.detail
    [request] = recorder.delivered
    assert request.path == "/services/T0/B0/XYZ"
    assert request.headers["Content-Type"] == "application/json"
    body = request.json()
    assert body["text"] == "[TRIGGERED] [CRITICAL] acme: API latency above objective"
    assert body["channel"] == "#alerts"
    assert body["blocks"][0]["type"] == "header"
    section_text = body["blocks"][1]["text"]["text"]
    assert "acme" in section_text and "p95 latency is 870ms" in section_text
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in body["blocks"][2]["fields"]}
    assert fields == {"*Tenant*": "acme", "*Severity*": "critical", "*Level*": "L1",
                      "*Services*": "api, db", "*Root cause*": "db", "*Incident*": "#42"}
    assert body["blocks"][3]["elements"][0]["url"] == "https://tw.example.com/incidents/42"
    assert body["attachments"][0]["color"] == "#d00000"


@pytest.mark.parametrize(("changes", "colour"), [
    ({"severity": "warning"}, "#f2a900"),
    ({"severity": "info"}, "#439fe0"),
    ({"event": "acknowledge"}, "#8a8a8a"),
    ({"event": "resolve"}, "#2eb886"),
])
def test_slack_colour_follows_severity_and_event(recorder, make_notification, changes, colour):
    config = SlackChannel(type="slack", webhook_url=recorder.url("/hook"))
    assert deliver(config, make_notification(**changes), {}, **NO_WAIT).ok
    body = recorder.delivered[0].json()
    assert body["attachments"][0]["color"] == colour
    assert "channel" not in body


def test_slack_escapes_alert_text_so_it_cannot_inject_links(recorder, make_notification):
    config = SlackChannel(type="slack", webhook_url=recorder.url("/hook"))
    deliver(config, make_notification(title="<!channel> <http://evil|click>"), {}, **NO_WAIT)
    body = recorder.delivered[0].json()
    assert "<!channel>" not in body["text"] and "&lt;!channel&gt;" in body["text"]
    assert "<http://evil" not in body["blocks"][1]["text"]["text"]


def test_discord_posts_content_and_embed(recorder, make_notification):
    config = DiscordChannel(type="discord", webhook_url="env:DISCORD_URL")
    notification = make_notification(title="@everyone db down", severity="warning")
    result = deliver(config, notification, {"DISCORD_URL": recorder.url("/api/webhooks/1/tok")}, **NO_WAIT)

    assert result.ok, result.detail
    [request] = recorder.delivered
    assert request.path == "/api/webhooks/1/tok"
    body = request.json()
    assert body["content"] == "[TRIGGERED] [WARNING] acme: @everyone db down"
    assert body["allowed_mentions"] == {"parse": []}
    [embed] = body["embeds"]
    assert embed["title"] == "@everyone db down"
    assert embed["color"] == 0xF2A900
    assert embed["url"] == "https://tw.example.com/incidents/42"
    assert {f["name"]: f["value"] for f in embed["fields"]}["Root cause"] == "db"
    assert "p95 latency is 870ms" in embed["description"]


def test_pagerduty_trigger_acknowledge_resolve_share_one_dedup_key(recorder, make_notification):
    config = PagerDutyChannel(type="pagerduty", routing_key="env:PD_KEY", url=recorder.url("/v2/enqueue"))
    environ = {"PD_KEY": "R0UT1NGKEY"}
    for event in ("trigger", "acknowledge", "resolve"):
        assert deliver(config, make_notification(event=event), environ, **NO_WAIT).ok

    trigger, ack, resolve = (r.json() for r in recorder.delivered)
    assert [r.path for r in recorder.delivered] == ["/v2/enqueue"] * 3
    assert [e["event_action"] for e in (trigger, ack, resolve)] == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in (trigger, ack, resolve)} == {"tenantwatch-acme-42"}
    assert {e["routing_key"] for e in (trigger, ack, resolve)} == {"R0UT1NGKEY"}
    payload = trigger["payload"]
    assert payload["severity"] == "critical"
    assert payload["source"] == "tenantwatch/acme"
    assert payload["summary"] == "[CRITICAL] acme: API latency above objective (root cause: db)"
    assert payload["custom_details"]["services"] == ["api", "db"]
    assert payload["custom_details"]["level"] == "L1"
    assert trigger["links"][0]["href"] == "https://tw.example.com/incidents/42"
    assert "payload" not in ack and "payload" not in resolve


def test_pagerduty_severity_outside_its_set_becomes_error(recorder, make_notification):
    config = PagerDutyChannel(type="pagerduty", routing_key="k", url=recorder.url("/v2/enqueue"))
    assert deliver(config, make_notification(severity="none"), {}, **NO_WAIT).ok
    assert recorder.delivered[0].json()["payload"]["severity"] == "error"


def test_webhook_posts_the_whole_notification(recorder, notification):
    config = WebhookChannel(type="webhook", url=recorder.url("/tw"))
    assert deliver(config, notification, {}, **NO_WAIT).ok
    body = recorder.delivered[0].json()
    assert body == {
        "version": "1", "event": "trigger", "dedup_key": "tenantwatch-acme-42", "incident_id": 42,
        "tenant": "acme", "title": "API latency above objective", "severity": "critical", "level": "L1",
        "services": ["api", "db"], "root_cause": "db", "summary": "p95 latency is 870ms, objective 200ms",
        "url": "https://tw.example.com/incidents/42",
        "labels": {"tenant": "acme", "service": "api", "severity": "critical"},
        "runbook_url": "https://runbooks.example.com/api-latency", "dashboard_url": None, "caused_by": None,
        "affected_tenants": [], "severity_raised": False,
    }


def test_long_alert_text_stays_within_the_services_limits(recorder, make_notification):
    huge = make_notification(title="t" * 5000, summary="s" * 10000, root_cause="r" * 5000, services=("x" * 3000,))
    assert deliver(SlackChannel(type="slack", webhook_url=recorder.url("/s")), huge, {}, **NO_WAIT).ok
    assert deliver(DiscordChannel(type="discord", webhook_url=recorder.url("/d")), huge, {}, **NO_WAIT).ok
    slack, discord = (r.json() for r in recorder.delivered)

    assert len(slack["blocks"][0]["text"]["text"]) <= 150
    assert len(slack["blocks"][1]["text"]["text"]) <= 3000
    assert all(len(f["text"]) <= 2000 for f in slack["blocks"][2]["fields"])
    [embed] = discord["embeds"]
    assert len(discord["content"]) <= 2000 and len(embed["title"]) <= 256
    embed_text = embed["title"] + embed["description"] + embed["footer"]["text"] + "".join(
        f["name"] + f["value"] for f in embed["fields"])
    assert len(embed_text) <= 6000


@pytest.mark.parametrize("url", ["/incidents/42", "javascript:alert(1)", "https://x/ with space", None])
def test_a_link_that_services_would_refuse_is_left_out(recorder, make_notification, url):
    notification = make_notification(url=url, runbook_url=url, dashboard_url=url)
    for config in (SlackChannel(type="slack", webhook_url=recorder.url("/s")),
                   DiscordChannel(type="discord", webhook_url=recorder.url("/d")),
                   PagerDutyChannel(type="pagerduty", routing_key="k", url=recorder.url("/p"))):
        assert deliver(config, notification, {}, **NO_WAIT).ok
    slack, discord, pagerduty = (r.json() for r in recorder.delivered)
    assert all(block["type"] != "actions" for block in slack["blocks"])
    assert "url" not in discord["embeds"][0]
    assert "links" not in pagerduty and "client_url" not in pagerduty
