"""`tenantwatch validate`: check a spec and print every problem with its path."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from tenantwatch.exitcodes import ExitCode
from tenantwatch.spec import Issue, load_file

err = Console(stderr=True, soft_wrap=True)


def print_issues(issues: list[Issue]) -> None:
    """Every problem on stderr as `path.to.field: message [level, line N]`."""
    for issue in issues:
        where = f", line {issue.line}" if issue.line else ""
        style = "red" if issue.level == "error" else "yellow"
        err.print(f"{issue.path or '<root>'}: {issue.message} [{issue.level}{where}]", style=style, markup=False, highlight=False)


def validate(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Check a spec and print every problem as `path.to.field: message`.

    Exit 0 when valid (warnings allowed), 2 when invalid or, with --strict, on any warning.

    Example: `tenantwatch validate examples/platform.yaml --strict`
    """
    result = load_file(spec)
    failed = bool(result.errors) or (strict and bool(result.warnings))
    if format == "json":
        typer.echo(json.dumps({"valid": not failed, "issues": [i._asdict() for i in result.issues]}, indent=2))
    else:
        print_issues(result.issues)
        summary = f"{spec}: {len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        err.print(("invalid: " if failed else "valid: ") + summary, markup=False, highlight=False)
    raise typer.Exit(ExitCode.INVALID if failed else ExitCode.OK)
