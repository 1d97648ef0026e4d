"""`tenantwatch render`: a spec into the monitoring configuration folder, in named steps:
check the options, load the spec, render every file in memory, then either compare with the
folder (--check) or write it, verify it with promtool and amtool, and report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table

from tenantwatch.exitcodes import ExitCode
from tenantwatch.render import Files, RenderError, RenderOptions, load_targets, render_tree
from tenantwatch.render.emit import differences, write_tree
from tenantwatch.render.verify import ToolMissing, ToolRun, verify_tree
from tenantwatch.spec import Spec, load_file
from tenantwatch.spec.cli import print_issues

err = Console(stderr=True, soft_wrap=True)
out = Console()
PROFILES = ("standard", "fast")


def render(
    spec: Path = typer.Argument(..., help="The spec file (YAML)."),
    out_dir: Path = typer.Option(Path("out"), "--out", help="Output folder; tenantwatch owns it."),
    only: Optional[str] = typer.Option(None, "--only", help="Comma-separated targets, e.g. prometheus,alertmanager."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if --out differs from a fresh render."),
    include_secrets: bool = typer.Option(False, "--include-secrets", help="Write into alertmanager.yml the secrets Alertmanager 0.25 cannot read from a file (Discord and webhook URLs); the others always stay in files."),
    profile: str = typer.Option("standard", "--profile", help="standard, or fast (short windows for demos and tests)."),
    verify: bool = typer.Option(False, "--verify", help="Run promtool and amtool on the result."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Render the monitoring configuration of a spec into a folder.

    Examples:

    * `tenantwatch render examples/platform.yaml --out out --verify`
    * `tenantwatch render spec.yaml --out deploy --only prometheus --check` (CI review)
    """
    if profile not in PROFILES:
        _bad_option(f"--profile: expected standard or fast, got {profile!r}")
    chosen = _targets(only, list(load_targets()))
    loaded = _load(spec)
    options = RenderOptions(profile=profile, include_secrets=include_secrets, environ=dict(os.environ),
                            spec_dir=spec.resolve().parent)
    tree = _render(loaded, options, chosen)
    if check:
        raise typer.Exit(_compare(out_dir, tree, spec))
    _write(out_dir, tree)
    runs = _verify(out_dir) if verify else []
    _report(spec, out_dir, tree, runs, format)
    raise typer.Exit(ExitCode.OK if all(r.ok for r in runs) else ExitCode.FAILED)


def _targets(only: str | None, known: list[str]) -> list[str] | None:
    """The targets `--only` names (None: all); an unknown one is a bad option."""
    if only is None:
        return None
    chosen = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        what = f"unknown target {', '.join(map(repr, unknown))}" if unknown else "no target named"
        _bad_option(f"--only: {what}; choose from {', '.join(known)}")
    return chosen


def _bad_option(message: str) -> NoReturn:
    """A bad option exits 2 before anything is read or written, like the ones Typer refuses."""
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(ExitCode.INVALID)


def _load(spec: Path) -> Spec:
    """The valid spec; its problems are printed, and an invalid one exits 2."""
    result = load_file(spec)
    print_issues(result.issues)
    if result.spec is None:
        raise typer.Exit(ExitCode.INVALID)
    return result.spec


def _render(spec: Spec, options: RenderOptions, chosen: list[str] | None) -> dict[str, Files]:
    """Every file of the chosen targets, in memory: nothing is written unless all succeed."""
    try:
        return render_tree(spec, options, chosen)
    except RenderError as exc:
        err.print(f"render: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED)


def _compare(out_dir: Path, tree: dict[str, Files], spec: Path) -> ExitCode:
    """--check: list the files that differ from the folder; FAILED when any does."""
    diff = differences(out_dir, tree)
    for line in diff:
        typer.echo(line)
    if diff:
        err.print(f"{out_dir} differs from the render of {spec} in {len(diff)} file(s)", markup=False)
    return ExitCode.FAILED if diff else ExitCode.OK


def _write(out_dir: Path, tree: dict[str, Files]) -> None:
    """Swap the rendered subtrees into the folder; on failure the folder is left as it was."""
    try:
        write_tree(out_dir, tree)
    except OSError as exc:
        err.print(f"render: cannot write {out_dir}: {exc}; nothing was changed", markup=False)
        raise typer.Exit(ExitCode.FAILED)


def _verify(out_dir: Path) -> list[ToolRun]:
    """promtool and amtool over the written folder."""
    try:
        return verify_tree(out_dir)
    except ToolMissing as exc:
        err.print(f"verify: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED)


def _report(spec: Path, out_dir: Path, tree: dict[str, Files], runs: list[ToolRun], format: str) -> None:
    """Files per target and each check's outcome, as a table or JSON; a failed check's output on stderr."""
    counts = {name: len(files) for name, files in tree.items()}
    if format == "json":
        typer.echo(json.dumps({"out": str(out_dir), "files": counts, "checks": [r.__dict__ for r in runs]}, indent=2))
        return
    table = Table("target", "files", title=f"rendered {spec} into {out_dir}")
    for name, n in counts.items():
        table.add_row(name, str(n))
    for r in runs:
        table.add_row(r.what, "[green]ok[/green]" if r.ok else "[red]FAILED[/red]")
    out.print(table)
    for r in runs:
        if not r.ok:
            err.print(f"{r.what} failed:\n{r.output}", markup=False)
