"""The demo's spec: the embedded one (or the user's), wired to the ports the demo picked.

The spec file on disk is what the renderer and the engine read, exactly as a user would run
them; only addresses and the local stand-ins for Slack and PagerDuty are filled in here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from tenantwatch.spec import Spec, load_text

SLACK_PATH = "/services/T0DEMO/B0DEMO/slack"  # the shape of a Slack incoming-webhook URL
HOOK_PATH = "/hooks/"  # + channel type, for Discord and generic webhooks
PAGERDUTY_PATH = "/v2/enqueue"
DEMO_ROUTING_KEY = "demo-routing-key-not-a-secret"


class WiringError(ValueError):
    """The spec cannot run as a demo (it does not validate once wired)."""


def demo_spec_text() -> str:
    return files("tenantwatch.demo").joinpath("demo-spec.yaml").read_text(encoding="utf-8")


def parse(text: str) -> Spec:
    """The spec of a demo run: valid, with at least one tenant to simulate."""
    result = load_text(text)
    if result.spec is None:
        raise WiringError("the demo spec is invalid:\n" + "\n".join(f"  {i.path}: {i.message}" for i in result.errors))
    if not result.spec.tenants:
        raise WiringError("tenants: the demo needs at least one tenant to simulate")
    return result.spec


@dataclass(frozen=True)
class Addresses:
    service_targets: dict[str, str]  # service -> host:port of its simulator listener
    engine_url: str
    alertmanager: str  # host:port
    prometheus: str  # host:port Prometheus listens on (it scrapes itself there)
    intake_key_file: str
    recorder_url: str
    secrets_dir: str  # where Alertmanager reads the env: secrets of its native receivers


@dataclass(frozen=True)
class Wired:
    text: str  # the spec file the renderer and the engine read
    spec: Spec
    environ: dict[str, str]  # what its env: secrets resolve to (the recorder's URLs)


def wire(text: str, at: Addresses) -> Wired:
    """The spec of a demo run, pointed at the demo's ports and local stand-ins."""
    raw = yaml.safe_load(text)
    raw["discovery"] = "static"
    raw["alert_delivery"] = "engine"
    raw["engine"] = {"url": at.engine_url, "intake_key_file": at.intake_key_file}
    raw["prometheus"] = {**(raw.get("prometheus") or {}), "alertmanager": at.alertmanager,
                         "listen_address": at.prometheus}
    raw["alertmanager"] = {**(raw.get("alertmanager") or {}), "secrets_dir": at.secrets_dir}
    for name, service in raw["services"].items():
        service["targets"] = [at.service_targets[name]]
    environ: dict[str, str] = {}
    for channel in (raw.get("channels") or {}).values():
        if channel.get("type") == "pagerduty":
            channel["url"] = at.recorder_url + PAGERDUTY_PATH
            environ.update(_env_value(channel.get("routing_key"), DEMO_ROUTING_KEY))
        for field in ("webhook_url", "url"):
            if channel.get("type") in ("slack", "discord", "webhook") and field in channel:
                path = SLACK_PATH if channel["type"] == "slack" else HOOK_PATH + channel["type"]
                environ.update(_env_value(channel[field], at.recorder_url + path))
    wired = yaml.safe_dump(raw, sort_keys=False)
    return Wired(wired, parse(wired), environ)


def write_secrets(environ: dict[str, str], directory: Path) -> None:
    """One file per env: secret (named after the variable, readable by its owner only), where
    the rendered alertmanager.yml reads it for the receivers that take no engine webhook."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in environ.items():
        write_private(directory / name, value)


def write_private(path: Path, content: str) -> None:
    """A file only its owner can read, created so from the start (no window with wider rights)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def _env_value(reference: object, value: str) -> dict[str, str]:
    """{NAME: value} when the secret is an `env:NAME` reference, else nothing to set."""
    if isinstance(reference, str) and reference.startswith("env:"):
        return {reference.removeprefix("env:"): value}
    return {}
