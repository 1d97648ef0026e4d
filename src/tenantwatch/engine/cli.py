"""The engine's commands (`serve`, `keys create`), registered on the main Typer app by cli.py.

Engine modules are imported inside the commands so that `tenantwatch --help` stays quick."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from tenantwatch.spec.units import parse_duration

err = Console(stderr=True, soft_wrap=True)
keys_app = typer.Typer(help="API keys of the engine (tenant, admin, intake).", no_args_is_help=True)
DB_HELP = "Database URL: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB (default: TENANTWATCH_DB or sqlite:///./tenantwatch.db)."


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, markup=False, highlight=False)
    return typer.Exit(code)


def serve(
    spec: Optional[Path] = typer.Option(None, "--spec", help="The spec (YAML); default: the packaged reference spec."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
    retention_days: Optional[float] = typer.Option(None, "--retention-days", min=0, help="Delete resolved incidents and audit entries older than this."),
    tick: float = typer.Option(1.0, "--tick", min=0.01, help="Seconds between scheduler passes (escalations, retries)."),
    correlation_window: str = typer.Option("5m", "--correlation-window", help="Alerts this close in time may join one incident."),
) -> None:
    """Run the engine: Alertmanager webhook, incidents, escalation, notifications, API.

    Examples:

    * `tenantwatch serve` (reference spec, ./tenantwatch.db, http://127.0.0.1:8080/docs)
    * `tenantwatch serve --spec platform.yaml --db postgresql+psycopg://tw@db:5432/tenantwatch --host 0.0.0.0`
    """
    from tenantwatch.engine.server import serve as run
    from tenantwatch.engine.store import StoreError
    from tenantwatch.spec import SpecError

    try:
        window = parse_duration(correlation_window)
    except ValueError as exc:
        raise _fail(f"--correlation-window: {exc}", 2)
    try:
        run(spec_path=spec, db_url=db, host=host, port=port, retention_days=retention_days, tick_interval=tick,
            correlation_window=window)
    except SpecError as exc:
        for issue in exc.issues:
            err.print(f"{issue.path}: {issue.message}", markup=False, highlight=False)
        raise _fail(f"{spec or 'reference spec'}: invalid spec", 2)
    except StoreError as exc:
        raise _fail(str(exc))


@keys_app.command("create")
def keys_create(
    tenant: Optional[str] = typer.Option(None, "--tenant", help="A key that sees and acts on this tenant only."),
    admin: bool = typer.Option(False, "--admin", help="A key that sees every tenant."),
    intake: bool = typer.Option(False, "--intake", help="A key that may only post alerts (Alertmanager's)."),
    name: Optional[str] = typer.Option(None, "--name", help="Who the key stands for in timelines and the audit log."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create an API key and print it alone on stdout (it is shown once and stored hashed).

    Examples:

    * `tenantwatch keys create --tenant acme --name alice`
    * `tenantwatch keys create --intake > /etc/tenantwatch/intake.key`
    """
    from tenantwatch.engine.auth import create_key
    from tenantwatch.engine.store import StoreError, open_store
    from tenantwatch.spec.units import id_problem

    if sum([tenant is not None, admin, intake]) != 1:
        raise _fail("keys create: give exactly one of --tenant T, --admin or --intake", 2)
    if tenant is not None and (problem := id_problem(tenant)):
        raise _fail(f"--tenant: {problem}", 2)
    if name is not None and not (0 < len(name) <= 200):
        raise _fail("--name: expected 1 to 200 characters", 2)
    kind = "tenant" if tenant is not None else "admin" if admin else "intake"
    try:
        store = open_store(db)
    except StoreError as exc:
        raise _fail(str(exc))
    try:
        typer.echo(create_key(store, kind=kind, tenant=tenant, name=name))
    finally:
        store.close()
