"""`tenantwatch remediate`: show which rules an alert would trigger, and what they would do."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tenantwatch.remediation import InMemoryHistory, RemediationRunner, build_clients
from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.exitcodes import ExitCode
from tenantwatch.spec import SpecError, load_spec

out = Console()
err = Console(stderr=True, soft_wrap=True)
STATUS_STYLE = {"ok": "green", "dry_run": "cyan", "failed": "red", "refused": "yellow"}


def parse_labels(pairs: list[str]) -> dict[str, str]:
    """`name=value` pairs; a pair without `=` is a usage error naming it."""
    labels = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--label")
        labels[name] = value
    return labels


def remediate(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    label: list[str] = typer.Option(..., "--label", "-l", help="An alert label NAME=VALUE (repeatable)."),
    execute: bool = typer.Option(False, "--execute", help="Act for real, even when the spec says dry_run."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Run the spec's remediation rules for one alert: dry-run unless --execute.

    Clients come from the environment (`TENANTWATCH_KUBE_HOST` or kubeconfig,
    `TENANTWATCH_PG_DSN[_<TENANT>]`, `TENANTWATCH_REDIS_URL[_<TENANT>]`).
    Exit 0 when every matching rule planned (or ran) fine, 1 when one was refused or failed,
    2 for a bad spec or option.

    Examples:

    * `tenantwatch remediate spec.yaml -l tenant=acme -l service=db -l category=database`
    * `TENANTWATCH_REDIS_URL=redis://localhost tenantwatch remediate spec.yaml -l tenant=acme -l service=cache -l category=saturation --execute`
    """
    labels = parse_labels(label)
    try:
        loaded = load_spec(spec)
    except SpecError as exc:
        err.print(f"{spec}: invalid spec:\n{exc}", markup=False)
        raise typer.Exit(ExitCode.INVALID)
    runner = RemediationRunner(loaded.remediation, build_clients(os.environ), lambda: dt.datetime.now(dt.timezone.utc),
                               InMemoryHistory(), tenants={*loaded.tenants, PLATFORM_TENANT} if loaded.tenants else None)
    results = runner.run(labels, dry_run=False if execute else None)
    if format == "json":
        typer.echo(json.dumps([r.audit() for r in results], indent=2, default=str))
    elif not results:
        err.print("no remediation rule matches these labels", markup=False)
    else:
        table = Table("rule", "action", "tenant", "status", "plan", "outcome", title="remediation")
        for r in results:
            style = STATUS_STYLE[r.status]
            detail = r.refused or (r.outcome.detail if r.outcome else "-")
            table.add_row(str(r.rule_index), r.action, escape(r.tenant or "-"), f"[{style}]{r.status}[/{style}]",
                          escape(r.plan.description if r.plan else "-"), escape(detail))
        out.print(table)
    raise typer.Exit(ExitCode.FAILED if any(r.status in ("failed", "refused") for r in results) else ExitCode.OK)
