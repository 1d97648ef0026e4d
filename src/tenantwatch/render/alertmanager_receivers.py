"""Native Alertmanager 0.25 receivers for the spec's channels (alert_delivery: alertmanager).

Alertmanager never expands environment variables. Wherever 0.25 has a `*_file` field, the
secret stays in a file, whatever the options: `env:NAME` becomes `<alertmanager.secrets_dir>/NAME`
and `file:/path` that path. Only the fields without a file form (Discord's webhook_url and
a generic webhook's url before 0.27) can take a value, and only with `include_secrets`.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Callable

from tenantwatch.render import RenderError, RenderOptions
from tenantwatch.spec.models import (
    DiscordChannel, EmailChannel, PagerDutyChannel, SlackChannel, Spec, WebhookChannel,
)


def _template(name: str) -> str:
    return '{{ template "tenantwatch.%s" . }}' % name


class _Secrets:
    """Turns a secret reference into the config field(s) Alertmanager reads it from."""

    def __init__(self, spec: Spec, options: RenderOptions) -> None:
        self.secrets_dir = spec.alertmanager.secrets_dir
        self.options = options

    def field(self, path: str, ref: str, key: str, file_key: str | None) -> dict[str, str]:
        if not ref.startswith(("env:", "file:")):
            return {key: ref}  # written in clear in the spec (validate warns about it)
        if file_key:  # a secret Alertmanager can read from a file never lands in alertmanager.yml
            return {file_key: ref[5:] if ref.startswith("file:") else posixpath.join(self.secrets_dir, ref[4:])}
        if ref.startswith("file:"):
            return {key: self._read(path, ref[5:], key)}
        return {key: self._environment(path, ref[4:], key)}

    def _environment(self, path: str, variable: str, key: str) -> str:
        if not self.options.include_secrets:
            raise RenderError(
                f"{path}: Alertmanager 0.25 has no {key}_file, so the value of {variable} can only be written "
                f"into alertmanager.yml: render with --include-secrets (and {variable} set), "
                "or use alert_delivery: engine")
        if variable not in self.options.environ:
            raise RenderError(f"{path}: environment variable {variable} is not set (--include-secrets reads it)")
        return self.options.environ[variable]

    def _read(self, path: str, file: str, key: str) -> str:
        if not self.options.include_secrets:
            raise RenderError(f"{path}: Alertmanager 0.25 has no {key}_file; render with --include-secrets to copy {file} into alertmanager.yml")
        try:
            return Path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise RenderError(f"{path}: cannot read {file}: {exc.strerror}") from None


def _slack(path: str, ch: SlackChannel, secrets: _Secrets) -> tuple[str, dict[str, Any]]:
    config: dict[str, Any] = {"send_resolved": True, **secrets.field(f"{path}.webhook_url", ch.webhook_url, "api_url", "api_url_file")}
    if ch.channel:
        config["channel"] = ch.channel
    config.update(title=_template("slack.title"), text=_template("slack.text"))
    return "slack_configs", config


def _email(path: str, ch: EmailChannel, secrets: _Secrets) -> tuple[str, dict[str, Any]]:
    config: dict[str, Any] = {
        "send_resolved": True, "to": ", ".join(ch.to), "from": ch.from_, "smarthost": ch.smarthost,
        "require_tls": ch.require_tls,
    }
    if ch.password is not None:
        config["auth_username"] = ch.username or ch.from_
        config.update(secrets.field(f"{path}.password", ch.password, "auth_password", "auth_password_file"))
    elif ch.username:
        config["auth_username"] = ch.username
    config.update(headers={"Subject": _template("email.subject")}, html=_template("email.html"))
    return "email_configs", config


def _pagerduty(path: str, ch: PagerDutyChannel, secrets: _Secrets) -> tuple[str, dict[str, Any]]:
    config = {"send_resolved": True, **secrets.field(f"{path}.routing_key", ch.routing_key, "routing_key", "routing_key_file")}
    config.update(url=ch.url, description=_template("pagerduty.description"))
    return "pagerduty_configs", config


def _discord(path: str, ch: DiscordChannel, secrets: _Secrets) -> tuple[str, dict[str, Any]]:
    config = {"send_resolved": True, **secrets.field(f"{path}.webhook_url", ch.webhook_url, "webhook_url", None)}
    config.update(title=_template("discord.title"), message=_template("discord.message"))
    return "discord_configs", config


def _webhook(path: str, ch: WebhookChannel, secrets: _Secrets) -> tuple[str, dict[str, Any]]:
    return "webhook_configs", {"send_resolved": True, **secrets.field(f"{path}.url", ch.url, "url", None), "max_alerts": 0}


# Channel types whose secret Alertmanager 0.25 can read from a file, so no secret is inlined.
FILE_SECRET_TYPES = frozenset({"slack", "email", "pagerduty"})

_BUILDERS: dict[str, Callable[[str, Any, _Secrets], tuple[str, dict[str, Any]]]] = {
    "slack": _slack, "email": _email, "pagerduty": _pagerduty, "discord": _discord, "webhook": _webhook,
}


def receiver_name(channels: list[str]) -> str:
    """A receiver is named after the channels it notifies, so equal sets share one receiver."""
    return "+".join(channels)


def native_receiver(spec: Spec, options: RenderOptions, channels: list[str]) -> dict[str, Any]:
    """One receiver notifying every named channel (grouped by Alertmanager config kind)."""
    secrets = _Secrets(spec, options)
    receiver: dict[str, Any] = {"name": receiver_name(channels)}
    for name in channels:
        channel = spec.channels[name]
        kind, config = _BUILDERS[channel.type](f"channels.{name}", channel, secrets)
        receiver.setdefault(kind, []).append(config)
    return receiver
