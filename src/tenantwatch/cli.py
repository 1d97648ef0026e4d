"""The tenantwatch command line: one Typer app; each command is a thin call into a package."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.table import Table

from tenantwatch import __version__
from tenantwatch.exitcodes import ExitCode
from tenantwatch.spec import Issue, load_file

app = typer.Typer(
    help="Monitoring-as-code and an alert engine for multi-tenant platforms.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)
out = Console()


def _print_issues(issues: list[Issue]) -> None:
    for issue in issues:
        where = f", line {issue.line}" if issue.line else ""
        style = "red" if issue.level == "error" else "yellow"
        err.print(f"{issue.path or '<root>'}: {issue.message} [{issue.level}{where}]", style=style, markup=False, highlight=False)


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


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
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
        _print_issues(result.issues)
        summary = f"{spec}: {len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        err.print(("invalid: " if failed else "valid: ") + summary, markup=False, highlight=False)
    raise typer.Exit(ExitCode.INVALID if failed else ExitCode.OK)


@app.command()
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
    from tenantwatch.render import RenderError, RenderOptions, load_targets, render_tree
    from tenantwatch.render.emit import differences, write_tree
    from tenantwatch.render.verify import ToolMissing, verify_tree

    if profile not in ("standard", "fast"):
        _bad_option(f"--profile: expected standard or fast, got {profile!r}")
    chosen = _targets(only, list(load_targets()))
    result = load_file(spec)
    _print_issues(result.issues)
    if result.spec is None:
        raise typer.Exit(ExitCode.INVALID)
    options = RenderOptions(profile=profile, include_secrets=include_secrets, environ=dict(os.environ),
                            spec_dir=spec.resolve().parent)
    try:
        tree = render_tree(result.spec, options, chosen)
    except RenderError as exc:
        err.print(f"render: {exc}", markup=False)
        raise typer.Exit(ExitCode.FAILED)
    if check:
        diff = differences(out_dir, tree)
        for line in diff:
            typer.echo(line)
        if diff:
            err.print(f"{out_dir} differs from the render of {spec} in {len(diff)} file(s)", markup=False)
        raise typer.Exit(ExitCode.FAILED if diff else ExitCode.OK)
    try:
        write_tree(out_dir, tree)
    except OSError as exc:
        err.print(f"render: cannot write {out_dir}: {exc}; nothing was changed", markup=False)
        raise typer.Exit(ExitCode.FAILED)
    counts = {name: len(files) for name, files in tree.items()}
    runs = []
    if verify:
        try:
            runs = verify_tree(out_dir)
        except ToolMissing as exc:
            err.print(f"verify: {exc}", markup=False)
            raise typer.Exit(ExitCode.FAILED)
    if format == "json":
        typer.echo(json.dumps({"out": str(out_dir), "files": counts, "checks": [r.__dict__ for r in runs]}, indent=2))
    else:
        table = Table("target", "files", title=f"rendered {spec} into {out_dir}")
        for name, n in counts.items():
            table.add_row(name, str(n))
        for r in runs:
            table.add_row(r.what, "[green]ok[/green]" if r.ok else "[red]FAILED[/red]")
        out.print(table)
        for r in runs:
            if not r.ok:
                err.print(f"{r.what} failed:\n{r.output}", markup=False)
    raise typer.Exit(ExitCode.OK if all(r.ok for r in runs) else ExitCode.FAILED)


from tenantwatch.engine.cli import keys_app, serve  # noqa: E402  (the engine's commands)

app.command("serve")(serve)
app.add_typer(keys_app, name="keys")

from tenantwatch.detect.commands import bench_app, detect_app  # noqa: E402  (detectors and benchmarks)

app.add_typer(detect_app, name="detect")
app.add_typer(bench_app, name="bench")

from tenantwatch.channels.commands import notify  # noqa: E402  (channel check)
from tenantwatch.remediation.commands import remediate  # noqa: E402  (remediation rules for one alert)

app.command("notify")(notify)
app.command("remediate")(remediate)


@app.command()
def simulate(
    spec: Path = typer.Argument(..., help="The spec whose tenants and services to simulate."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(9400, "--port", help="Port of /metrics (all series) and /faults; 0 = any free port."),
    per_service: bool = typer.Option(False, "--per-service-ports", help="Also serve each service on its own port (port+1, port+2, ... in spec order), as a static-discovery render scrapes them."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same traffic."),
    speed: float = typer.Option(1.0, "--speed", help="Simulated time per real second (1440: a day per minute)."),
    fault_every: float = typer.Option(0.0, "--fault-every", help="A random fault every N seconds (0: only on request)."),
    fault: list[str] = typer.Option([], "--fault", help="A fault active from the start, TENANT:KIND (repeatable); platform:SERVICE_down kills a shared service."),
) -> None:
    """Simulate a spec's tenants and services as their exporters would expose them.

    Faults on request: `curl -X POST http://127.0.0.1:9400/faults -d '{"tenant": "acme", "kind": "error_burst"}'`.

    Examples:

    * `tenantwatch simulate examples/platform.yaml --port 9400`
    * `tenantwatch simulate examples/platform.yaml --per-service-ports --speed 1440 --fault-every 300`
    * `tenantwatch simulate examples/platform.yaml --per-service-ports --fault platform:db_down`
    """
    from tenantwatch.sim.run import run_simulator

    raise typer.Exit(run_simulator(spec_path=spec, host=host, port=port, per_service=per_service, seed=seed,
                                   speed=speed, fault_every=fault_every, faults=fault))


@app.command()
def demo(
    fault: Optional[str] = typer.Option(None, "--fault", help="Inject a fault at once: TENANT:KIND (kinds: error_burst, latency_spike, filling_volume, connection_exhaustion, accuracy_drop, brute_force, service_down, SERVICE_down); TENANT platform hits shared services, e.g. platform:db_down."),
    once: bool = typer.Option(False, "--once", help="Run one fault through the loop until its incident and Slack notification exist, print what happened, stop, exit 0 (1 if it did not close)."),
    timeout: float = typer.Option(240.0, "--timeout", help="With --once: seconds the loop may take."),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulated platform (same seed, same traffic)."),
    speed: float = typer.Option(60.0, "--speed", help="Simulated time per real second (60: a day in 24 minutes)."),
    fault_every: float = typer.Option(240.0, "--fault-every", help="Without --fault/--once: a random fault every N seconds (0: none)."),
    spec: Optional[Path] = typer.Option(None, "--spec", help="Run your own spec instead of the embedded demo spec."),
    format: str = typer.Option("text", "--format", help="text or json (the --once report)."),
) -> None:
    """Run the whole loop on one machine: simulated tenants -> Prometheus -> Alertmanager -> engine -> Slack.

    Prints the URLs (dashboard, engine, Prometheus, Alertmanager), an admin key and a tenant key;
    Ctrl-C stops every part.

    Examples:

    * `tenantwatch demo` (random faults every 4 minutes)
    * `tenantwatch demo --fault acme:latency_spike`
    * `tenantwatch demo --fault platform:db_down` (the shared database dies)
    * `tenantwatch demo --once --timeout 240` (CI: exit 0 when the loop closed)
    """
    from tenantwatch.demo.console import run_demo

    raise typer.Exit(run_demo(fault=fault, once=once, timeout=timeout, seed=seed, speed=speed,
                              fault_every=fault_every, spec=spec, format=format))


def main() -> None:
    app(prog_name="tenantwatch")


if __name__ == "__main__":
    sys.exit(main())
