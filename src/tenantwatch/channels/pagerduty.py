"""PagerDuty Events API v2: trigger, acknowledge and resolve one alert per incident.

apprise cannot send acknowledge/resolve or choose the `dedup_key`, so this posts the
documented event through httpx: https://developer.pagerduty.com/docs/events-api-v2/overview
The dedup key is stable per incident, so a retried or repeated trigger never opens a
second PagerDuty incident, and acknowledge/resolve reach the one that was opened.
"""

from __future__ import annotations

from typing import Any, Mapping

from tenantwatch.channels.base import Notification, SendResult, register
from tenantwatch.channels.http import post_json, request_timeout
from tenantwatch.channels.messages import link, links, render, truncate
from tenantwatch.secrets import resolve_secret
from tenantwatch.spec.models import PagerDutyChannel

SUMMARY_LIMIT = 1024
SOURCE = "tenantwatch"
# PagerDuty knows critical, error, warning, info; anything else is reported as error.
SEVERITIES = {"critical": "critical", "error": "error", "warning": "warning", "info": "info"}
LINK_TEXTS = {"Open incident": "Open the incident in tenantwatch"}


def payload(routing_key: str, notification: Notification) -> dict[str, Any]:
    """The event body; acknowledge and resolve carry only what PagerDuty reads for them."""
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": notification.event,
        "dedup_key": notification.dedup_key,
    }
    if notification.event != "trigger":
        return body
    body["payload"] = {
        "summary": truncate(render("pagerduty_summary.txt.j2", notification), SUMMARY_LIMIT),
        "severity": SEVERITIES.get(notification.severity, "error"),
        "source": f"{SOURCE}/{notification.tenant}",
        "component": notification.root_cause or (notification.services[0] if notification.services else None),
        "group": notification.tenant,
        "custom_details": {
            "tenant": notification.tenant,
            "incident_id": notification.incident_id,
            "level": notification.level,
            "services": list(notification.services),
            "root_cause": notification.root_cause,
            "summary": notification.summary,
            "labels": dict(notification.labels),
            "runbook_url": notification.runbook_url,
            "dashboard_url": notification.dashboard_url,
            "affected_tenants": list(notification.affected_tenants),
        },
    }
    body["client"] = SOURCE
    url = link(notification)
    if url:
        body["client_url"] = url
    if links(notification):
        body["links"] = [{"href": href, "text": LINK_TEXTS.get(label, label)} for label, href in links(notification)]
    return body


@register("pagerduty")
def send(config: PagerDutyChannel, notification: Notification, environ: Mapping[str, str]) -> SendResult:
    routing_key = resolve_secret(config.routing_key, environ, field="routing_key")
    return post_json(config.url, payload(routing_key, notification), timeout=request_timeout(environ))
