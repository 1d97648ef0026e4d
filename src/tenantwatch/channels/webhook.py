"""Generic webhook: the notification as one JSON document, for systems tenantwatch does not know."""

from __future__ import annotations

from typing import Any, Mapping

from tenantwatch.channels.base import Notification, SendResult, register
from tenantwatch.channels.http import post_json, request_timeout
from tenantwatch.secrets import resolve_secret
from tenantwatch.spec.models import WebhookChannel

PAYLOAD_VERSION = "1"


def payload(notification: Notification) -> dict[str, Any]:
    """Every Notification field plus the dedup key, so receivers can drop repeats themselves."""
    return {
        "version": PAYLOAD_VERSION,
        "event": notification.event,
        "dedup_key": notification.dedup_key,
        "incident_id": notification.incident_id,
        "tenant": notification.tenant,
        "title": notification.title,
        "severity": notification.severity,
        "level": notification.level,
        "services": list(notification.services),
        "root_cause": notification.root_cause,
        "summary": notification.summary,
        "url": notification.url,
        "labels": dict(notification.labels),
        "runbook_url": notification.runbook_url,
        "dashboard_url": notification.dashboard_url,
        "caused_by": notification.caused_by,
        "affected_tenants": list(notification.affected_tenants),
        "severity_raised": notification.severity_raised,
    }


@register("webhook")
def send(config: WebhookChannel, notification: Notification, environ: Mapping[str, str]) -> SendResult:
    url = resolve_secret(config.url, environ, field="url")
    return post_json(url, payload(notification), timeout=request_timeout(environ))
