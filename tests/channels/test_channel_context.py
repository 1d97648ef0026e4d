"""What each channel says beyond the alert: the links a person follows (incident page, runbook,
dashboard), that an incident follows from a platform incident, that its severity rose, and
which tenants a shared outage affects."""

from __future__ import annotations

import json

from smtp_server import channel

from tenantwatch.channels import deliver
from tenantwatch.spec.models import DiscordChannel, PagerDutyChannel, SlackChannel

NO_WAIT = {"sleep": lambda seconds: None}
PAGE = "https://tw.example.com/ui/incidents/42"
RUNBOOK = "https://runbooks.example.com/tenantwatch/HighLatency"
DASHBOARD = "https://grafana.example.com/d/tenantwatch-api?var-tenant=acme"


def _chat(recorder, notification):  # type: ignore[no-untyped-def]
    """Slack, Discord and PagerDuty bodies for one notification, through the real senders."""
    for config in (SlackChannel(type="slack", webhook_url=recorder.url("/s")),
                   DiscordChannel(type="discord", webhook_url=recorder.url("/d")),
                   PagerDutyChannel(type="pagerduty", routing_key="k", url=recorder.url("/p"))):
        assert deliver(config, notification, {}, **NO_WAIT).ok
    return [r.json() for r in recorder.delivered]


def test_every_channel_links_the_incident_page_the_runbook_and_the_dashboard(recorder, make_notification, smtp):
    notification = make_notification(url=PAGE, runbook_url=RUNBOOK, dashboard_url=DASHBOARD)
    slack, discord, pagerduty = _chat(recorder, notification)
    [actions] = [b for b in slack["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["url"]) for e in actions["elements"]] == [
        ("Open incident", PAGE), ("Runbook", RUNBOOK), ("Dashboard", DASHBOARD)]
    description = discord["embeds"][0]["description"]
    assert f"[Runbook]({RUNBOOK})" in description and f"[Dashboard]({DASHBOARD})" in description
    assert discord["embeds"][0]["url"] == PAGE
    assert [link["href"] for link in pagerduty["links"]] == [PAGE, RUNBOOK, DASHBOARD]
    assert pagerduty["payload"]["custom_details"]["runbook_url"] == RUNBOOK
    mailbox, port = smtp
    assert deliver(channel(port), notification, {}, **NO_WAIT).ok
    [mail] = mailbox.messages
    text, html = (mail.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert f"Runbook: {RUNBOOK}" in text and f"Dashboard: {DASHBOARD}" in text and PAGE in text
    assert f'href="{RUNBOOK}"' in html


def test_a_caused_incident_reads_as_part_of_the_platform_incident(recorder, make_notification, smtp):
    notification = make_notification(caused_by=7, severity="warning")
    slack, discord, _ = _chat(recorder, notification)
    assert slack["text"].endswith("(caused by platform incident #7)")
    assert "not a separate outage" in slack["blocks"][1]["text"]["text"]
    assert "*Caused by*\nplatform incident #7" in json.dumps(slack["blocks"][2]).replace("\\n", "\n")
    assert "caused by platform incident #7" in discord["content"]
    mailbox, port = smtp
    assert deliver(channel(port), notification, {}, **NO_WAIT).ok
    assert "caused by platform incident #7" in mailbox.messages[0]["Subject"]


def test_a_severity_rise_is_its_own_headline(recorder, make_notification):
    slack, discord, pagerduty = _chat(recorder, make_notification(severity="critical", severity_raised=True))
    assert slack["text"].startswith("[SEVERITY RAISED] [CRITICAL] acme:")
    assert "Severity raised to CRITICAL." in slack["blocks"][1]["text"]["text"]
    assert discord["content"].startswith("[SEVERITY RAISED] [CRITICAL]")
    assert pagerduty["event_action"] == "trigger" and pagerduty["payload"]["severity"] == "critical"


def test_a_platform_incident_names_the_tenants_it_affects(recorder, make_notification):
    tenants = tuple(f"t{n:02d}" for n in range(12))
    slack, _, pagerduty = _chat(recorder, make_notification(tenant="platform", affected_tenants=tenants))
    assert "Shared-service outage affecting 12 tenants: t00, t01" in slack["blocks"][1]["text"]["text"]
    assert "and 2 more" in slack["blocks"][1]["text"]["text"]
    assert pagerduty["payload"]["custom_details"]["affected_tenants"] == list(tenants)
    assert pagerduty["dedup_key"] == "tenantwatch-platform-42"
