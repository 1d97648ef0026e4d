"""The tenantwatch command line: one Typer app; each package's cli.py holds its commands.

Command modules import the heavy parts (the numeric stack, the engine) inside the commands,
so that `tenantwatch --help` stays quick."""

from __future__ import annotations

import sys

import typer

from tenantwatch import __version__
from tenantwatch.channels.cli import notify
from tenantwatch.demo.cli import demo
from tenantwatch.detect.cli import bench_app, detect_app
from tenantwatch.drift.cli import drift
from tenantwatch.engine.cli import keys_app, serve
from tenantwatch.remediation.cli import remediate
from tenantwatch.render.cli import render
from tenantwatch.sim.cli import simulate
from tenantwatch.spec.cli import validate

app = typer.Typer(
    help="Monitoring-as-code and an alert engine for multi-tenant platforms.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


app.command("validate")(validate)
app.command("render")(render)
app.command("serve")(serve)
app.add_typer(keys_app, name="keys")
app.add_typer(detect_app, name="detect")
app.add_typer(bench_app, name="bench")
app.command("drift")(drift)
app.command("notify")(notify)
app.command("remediate")(remediate)
app.command("simulate")(simulate)
app.command("demo")(demo)


def main() -> None:
    app(prog_name="tenantwatch")


if __name__ == "__main__":
    sys.exit(main())
