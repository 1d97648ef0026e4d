"""`tenantwatch notify`: send a test message through the spec's channels, to check their setup."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tenantwatch.channels import Notification, deliver
from tenantwatch.exitcodes import ExitCode
from tenantwatch.spec import SpecError, load_spec

EVENTS = ("trigger", "acknowledge", "resolve")
out = Console()
err = Console(stderr=True, soft_wrap=True)


def test_notification(tenant: str, event: str) -> Notification:
    return Notification(incident_id=0, tenant=tenant, title="tenantwatch test notification", severity="info",
                        event=event, level="L1",  # type: ignore[arg-type]
                        summary="Sent by `tenantwatch notify` to check this channel's configuration.")


def notify(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    channel: Optional[list[str]] = typer.Option(None, "--channel", "-c", help="A channel name from the spec (repeatable); default: all."),
    tenant: Optional[str] = typer.Option(None, "--tenant", help="Tenant shown in the message (default: $TENANT_ID, else the spec's first)."),
    event: str = typer.Option("trigger", "--event", help="trigger, acknowledge or resolve."),
    attempts: int = typer.Option(3, "--attempts", min=1, max=10, help="Tries per channel (backoff 1s, 2s, ...)."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Send a test notification through channels of a spec; secrets come from the environment.

    Exit 0 when every channel took it, 1 when one failed, 2 for a bad spec or option.

    Examples:

    * `SLACK_WEBHOOK_URL=https://hooks.slack.com/... tenantwatch notify spec.yaml -c slack-alerts`
    * `tenantwatch notify spec.yaml --event resolve --format json`
    """
    try:
        loaded = load_spec(spec)
    except SpecError as exc:
        err.print(f"{spec}: invalid spec:\n{exc}", markup=False)
        raise typer.Exit(ExitCode.INVALID)
    names = channel or list(loaded.channels)
    unknown = [n for n in names if n not in loaded.channels]
    if event not in EVENTS or unknown or not names:
        problem = f"unknown channel(s) {', '.join(unknown)}" if unknown else (
            f"--event must be one of {', '.join(EVENTS)}" if event not in EVENTS else "the spec has no channels")
        err.print(f"notify: {problem}", markup=False)
        raise typer.Exit(ExitCode.INVALID)
    who = tenant or os.environ.get("TENANT_ID") or next(iter(loaded.tenants), "platform")
    message = test_notification(who, event)
    results = {}
    with err.status("sending…"):
        for name in names:
            results[name] = deliver(loaded.channels[name], message, os.environ, attempts=attempts)
    if format == "json":
        typer.echo(json.dumps({name: {"type": loaded.channels[name].type, "ok": r.ok, "detail": r.detail}
                               for name, r in results.items()}, indent=2))
    else:
        table = Table("channel", "type", "result", "detail", title=escape(f"test {event} for tenant {who}"))
        for name, r in results.items():
            table.add_row(name, loaded.channels[name].type, "[green]sent[/green]" if r.ok else "[red]failed[/red]", escape(r.detail))
        out.print(table)
    raise typer.Exit(ExitCode.OK if all(r.ok for r in results.values()) else ExitCode.FAILED)
