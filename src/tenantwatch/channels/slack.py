"""Slack incoming webhook: `text` (the notification line), `blocks`, and a coloured attachment.

Sent with httpx rather than apprise: apprise's Slack plugin always posts to
https://hooks.slack.com (its host is a class constant), so it can neither target a
self-hosted relay nor the local recording server the tests use, and it hides the HTTP
status we need to tell a retryable failure (5xx, 429) from a permanent one (4xx).
Payload format: https://api.slack.com/messaging/webhooks and https://api.slack.com/block-kit
"""

from __future__ import annotations

from typing import Any, Mapping

from tenantwatch.channels.base import Notification, SendResult, register
from tenantwatch.channels.http import post_json, request_timeout
from tenantwatch.channels.messages import colour, facts, headline, links, render, slack_escape, truncate
from tenantwatch.secrets import resolve_secret
from tenantwatch.spec.models import SlackChannel

TEXT_LIMIT = 3000  # a section block's text
HEADER_LIMIT = 150  # a header block's plain_text
FIELD_LIMIT = 2000  # one field of a section block


def payload(config: SlackChannel, notification: Notification) -> dict[str, Any]:
    """The webhook body: fallback text, blocks, and an attachment carrying the colour."""
    line = headline(notification)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(line, HEADER_LIMIT)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(render("slack.md.j2", notification), TEXT_LIMIT)}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": truncate(f"*{name}*\n{slack_escape(value)}", FIELD_LIMIT)}
            for name, value in facts(notification)
        ]},
    ]
    buttons = links(notification)
    if buttons:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url} for label, url in buttons
        ]})
    body: dict[str, Any] = {
        "text": slack_escape(line),
        "blocks": blocks,
        "attachments": [{"color": colour(notification), "fallback": slack_escape(line),
                         "footer": f"tenantwatch · {notification.dedup_key}"}],
    }
    if config.channel:
        body["channel"] = config.channel
    return body


@register("slack")
def send(config: SlackChannel, notification: Notification, environ: Mapping[str, str]) -> SendResult:
    url = resolve_secret(config.webhook_url, environ, field="webhook_url")
    return post_json(url, payload(config, notification), timeout=request_timeout(environ))
