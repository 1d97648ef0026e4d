"""Discord webhook: `content` (the notification line) and one coloured embed.

Sent with httpx rather than apprise: apprise's Discord plugin always posts to
https://discord.com/api/webhooks (a class constant), so it cannot reach the local
recording server the tests use, and it hides the HTTP status we classify for retries.
Payload format: https://discord.com/developers/docs/resources/webhook#execute-webhook
"""

from __future__ import annotations

from typing import Any, Mapping

from tenantwatch.channels.base import Notification, SendResult, register
from tenantwatch.channels.http import post_json, request_timeout
from tenantwatch.channels.messages import colour, facts, headline, link, render, truncate
from tenantwatch.secrets import resolve_secret
from tenantwatch.spec.models import DiscordChannel

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 2048  # well under the 6000 characters Discord allows per embed in total
FIELD_LIMIT = 256


def payload(notification: Notification) -> dict[str, Any]:
    """The webhook body; mentions are disabled so alert text can never ping @everyone."""
    line = headline(notification)
    embed: dict[str, Any] = {
        "title": truncate(notification.title, TITLE_LIMIT),
        "description": truncate(render("discord.md.j2", notification), DESCRIPTION_LIMIT),
        "color": int(colour(notification).lstrip("#"), 16),
        "fields": [{"name": name, "value": truncate(value, FIELD_LIMIT), "inline": True} for name, value in facts(notification)],
        "footer": {"text": f"tenantwatch · {notification.dedup_key}"},
    }
    url = link(notification)
    if url:
        embed["url"] = url
    return {"content": truncate(line, CONTENT_LIMIT), "embeds": [embed], "allowed_mentions": {"parse": []}}


@register("discord")
def send(config: DiscordChannel, notification: Notification, environ: Mapping[str, str]) -> SendResult:
    url = resolve_secret(config.webhook_url, environ, field="webhook_url")
    return post_json(url, payload(notification), timeout=request_timeout(environ))
