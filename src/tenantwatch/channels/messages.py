"""Message text for every channel, from Jinja2 templates shipped in `channels/templates/`.

Senders build the payload structure the service expects; the words (headline, body, email
subject and HTML) come from templates, so wording changes never touch sender code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tenantwatch.channels.base import Notification

# Severity colours (Slack/Discord); acknowledged and resolved override them.
SEVERITY_COLOURS = {"critical": "#d00000", "warning": "#f2a900", "info": "#439fe0"}
EVENT_COLOURS = {"acknowledge": "#8a8a8a", "resolve": "#2eb886"}
DEFAULT_COLOUR = "#439fe0"
HEADLINE = "headline.txt.j2"
MAX_LINK = 2000
EVENT_WORDS = {"trigger": "TRIGGERED", "acknowledge": "ACKNOWLEDGED", "resolve": "RESOLVED"}
RAISED_WORD = "SEVERITY RAISED"
MOST_TENANTS_SHOWN = 10


def colour(notification: Notification) -> str:
    """Hex colour: green when resolved, grey when acknowledged, else by severity."""
    return EVENT_COLOURS.get(notification.event) or SEVERITY_COLOURS.get(notification.severity, DEFAULT_COLOUR)


def slack_escape(text: object) -> str:
    """Slack mrkdwn control characters (&, <, >) as entities, so alert text cannot inject links."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tenantwatch.channels", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["slack"] = slack_escape
    return env


def context(notification: Notification) -> dict[str, Any]:
    """What every template sees: the notification, derived words and the rendered headline.

    The headline is rendered here, as plain text, so HTML templates escape it like any value.
    """
    words = {
        "n": notification,
        "event_word": RAISED_WORD if notification.severity_raised else EVENT_WORDS.get(notification.event, notification.event.upper()),
        "severity_word": notification.severity.upper(),
        "services": ", ".join(notification.services),
        "colour": colour(notification),
        "link": link(notification),
        "links": links(notification),
        "affected": affected(notification),
    }
    line = _environment().get_template(HEADLINE).render(words)
    return {**words, "headline": one_line(line)}


def render(template: str, notification: Notification) -> str:
    """Render one template (e.g. `slack.md.j2`) for a notification, stripped of outer blank lines."""
    return _environment().get_template(template).render(context(notification)).strip()


def headline(notification: Notification) -> str:
    """`[TRIGGERED] [CRITICAL] acme: title`, the first line of every message."""
    return context(notification)["headline"]


def safe_url(url: str | None) -> str | None:
    """The URL if it is absolute http(s): Slack and Discord refuse a whole message (HTTP 400)
    over a malformed link, so a bad one is left out rather than sent."""
    url = url or ""
    return url if url.startswith(("https://", "http://")) and len(url) <= MAX_LINK and " " not in url else None


def link(notification: Notification) -> str | None:
    """The incident's dashboard page, if usable."""
    return safe_url(notification.url)


def links(notification: Notification) -> list[tuple[str, str]]:
    """(label, URL) of every usable link: the incident page, the alert's runbook and dashboard."""
    candidates = (("Open incident", notification.url), ("Runbook", notification.runbook_url),
                  ("Dashboard", notification.dashboard_url))
    return [(label, url) for label, raw in candidates if (url := safe_url(raw))]


def affected(notification: Notification) -> str:
    """`3 tenants: acme, globex, initech` for a platform incident, else empty."""
    tenants = notification.affected_tenants
    if not tenants:
        return ""
    shown = ", ".join(tenants[:MOST_TENANTS_SHOWN]) + (f" and {len(tenants) - MOST_TENANTS_SHOWN} more"
                                                       if len(tenants) > MOST_TENANTS_SHOWN else "")
    return f"{len(tenants)} tenant{'s' if len(tenants) != 1 else ''}: {shown}"


def one_line(text: str) -> str:
    """Whitespace runs (newlines included) as one space: headlines and mail headers stay one line."""
    return " ".join(text.split())


def truncate(text: str, limit: int) -> str:
    """Cut text to a service's field limit, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def facts(notification: Notification) -> list[tuple[str, str]]:
    """The name/value pairs every rich message shows beside its text."""
    pairs = [
        ("Tenant", notification.tenant),
        ("Severity", notification.severity),
        ("Level", notification.level),
        ("Services", ", ".join(notification.services) or "-"),
        ("Root cause", notification.root_cause or "-"),
        ("Incident", f"#{notification.incident_id}"),
    ]
    if notification.caused_by is not None:
        pairs.append(("Caused by", f"platform incident #{notification.caused_by}"))
    if notification.affected_tenants:
        pairs.append(("Affected", affected(notification)))
    return pairs
