"""The engine's commands (`serve`, `keys create|list|revoke`), registered on the main Typer app
by cli.py.

Engine modules are imported inside the commands so that `tenantwatch --help` stays quick."""

from __future__ import annotations

import difflib
import json
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tenantwatch.exitcodes import ExitCode, fail
from tenantwatch.engine.api.ratelimit import DEFAULT_OVERALL, DEFAULT_PER_CLIENT, AuthLimits
from tenantwatch.spec.units import parse_duration

if TYPE_CHECKING:
    from tenantwatch.engine.store import Store

err = Console(stderr=True, soft_wrap=True)
out = Console()
keys_app = typer.Typer(help="API keys of the engine (tenant, admin, intake).", no_args_is_help=True)
DB_HELP = "Database URL: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB (default: TENANTWATCH_DB or sqlite:///./tenantwatch.db)."
CLI_WHO = "cli"  # who the audit log names for keys revoked on the command line


@contextmanager
def _store(db: str | None) -> Iterator[Store]:
    """The opened (and migrated) store, closed afterwards; an unusable URL exits 1 with why."""
    from tenantwatch.engine.store import StoreError, open_store

    try:
        store = open_store(db)
    except StoreError as exc:
        raise fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def _check_tenant_in_spec(tenant: str, spec_path: Path) -> None:
    """Exit 2 unless the spec (valid) has the tenant; the message suggests the known ones."""
    from tenantwatch.engine.server import load_engine_spec
    from tenantwatch.spec import SpecError

    try:
        spec = load_engine_spec(spec_path)
    except SpecError as exc:
        for issue in exc.issues:
            err.print(f"{issue.path}: {issue.message}", markup=False, highlight=False)
        raise fail(f"--spec: {spec_path} is not a valid spec", ExitCode.INVALID)
    if tenant in spec.tenants:
        return
    known = sorted(spec.tenants)
    close = difflib.get_close_matches(tenant, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listing = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
    raise fail(f"--tenant: tenant {tenant!r} is not in {spec_path}; {hint}known tenants: {listing or 'none'}", ExitCode.INVALID)


def serve(
    spec: Optional[Path] = typer.Option(None, "--spec", help="The spec (YAML); default: the packaged reference spec."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
    retention_days: Optional[float] = typer.Option(None, "--retention-days", min=0, help="Delete resolved incidents and audit entries older than this."),
    tick: float = typer.Option(1.0, "--tick", min=0.01, help="Seconds between scheduler passes (escalations, retries)."),
    correlation_window: str = typer.Option("5m", "--correlation-window", help="Alerts this close in time may join one incident."),
    trusted_proxy: Optional[list[str]] = typer.Option(None, "--trusted-proxy", help="A reverse proxy (address or CIDR network) whose X-Forwarded-For and X-Forwarded-Proto are believed; repeat for more. Default: 127.0.0.1."),
    auth_failures_per_client: int = typer.Option(DEFAULT_PER_CLIENT, "--auth-failures-per-client", min=1, help="Wrong keys one client may try per window before it gets 429."),
    auth_failures_global: int = typer.Option(DEFAULT_OVERALL, "--auth-failures-global", min=1, help="Wrong keys all clients together may try per window before 429."),
    auth_failure_window: str = typer.Option("1m", "--auth-failure-window", help="The window of both limits on wrong keys."),
    notify_max_age: str = typer.Option("6h", "--notify-max-age", help="A notification still failing this long after it was queued is given up (notify.failed)."),
    worker: bool = typer.Option(True, "--worker/--in-process", help="Run the intake processor and the scheduler in a worker process of their own (default), or as threads of the process that answers (one CPU core for both)."),
) -> None:
    """Run the engine: Alertmanager webhook, incidents, escalation, notifications, API.

    Examples:

    * `tenantwatch serve` (reference spec, ./tenantwatch.db, http://127.0.0.1:8080/docs)
    * `tenantwatch serve --spec platform.yaml --db postgresql+psycopg://tw@db:5432/tenantwatch --host 0.0.0.0`
    * `tenantwatch serve --trusted-proxy 10.0.0.0/8` (behind a TLS proxy: Secure cookies, real client addresses)
    """
    from tenantwatch.engine.api.proxies import DEFAULT_TRUSTED_PROXIES, parse_networks
    from tenantwatch.engine.server import serve as run
    from tenantwatch.engine.store import StoreError
    from tenantwatch.spec import SpecError

    try:
        window = parse_duration(correlation_window)
    except ValueError as exc:
        raise fail(f"--correlation-window: {exc}", ExitCode.INVALID)
    try:
        limits = AuthLimits(auth_failures_per_client, auth_failures_global, _positive_duration(auth_failure_window))
    except ValueError as exc:
        raise fail(f"--auth-failure-window: {exc}", ExitCode.INVALID)
    try:
        max_age = _positive_duration(notify_max_age)
    except ValueError as exc:
        raise fail(f"--notify-max-age: {exc}", ExitCode.INVALID)
    proxies = tuple(trusted_proxy or DEFAULT_TRUSTED_PROXIES)
    try:
        parse_networks(proxies)
    except ValueError as exc:
        raise fail(f"--trusted-proxy: {exc}", ExitCode.INVALID)
    try:
        run(spec_path=spec, db_url=db, host=host, port=port, retention_days=retention_days, tick_interval=tick,
            correlation_window=window, trusted_proxies=proxies, auth_limits=limits, notify_max_age=max_age,
            worker_process=worker)
    except SpecError as exc:
        for issue in exc.issues:
            err.print(f"{issue.path}: {issue.message}", markup=False, highlight=False)
        raise fail(f"{spec or 'reference spec'}: invalid spec", ExitCode.INVALID)
    except StoreError as exc:
        raise fail(str(exc))


def _positive_duration(text: str) -> float:
    seconds = parse_duration(text)
    if seconds <= 0:
        raise ValueError(f"expected a duration above zero (e.g. 1m), got {text!r}")
    return seconds


@keys_app.command("create")
def keys_create(
    tenant: Optional[str] = typer.Option(None, "--tenant", help="A key that sees and acts on this tenant only."),
    admin: bool = typer.Option(False, "--admin", help="A key that sees every tenant."),
    intake: bool = typer.Option(False, "--intake", help="A key that may only post alerts (Alertmanager's)."),
    name: Optional[str] = typer.Option(None, "--name", help="Who the key stands for in timelines and the audit log."),
    spec: Optional[Path] = typer.Option(None, "--spec", help="Refuse a --tenant that this spec does not have (exit 2)."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create an API key and print it alone on stdout (it is shown once and stored hashed).

    Examples:

    * `tenantwatch keys create --tenant acme --name alice --spec platform.yaml`
    * `tenantwatch keys create --intake > /etc/tenantwatch/intake.key`
    """
    from tenantwatch.engine.auth import create_key
    from tenantwatch.spec.units import id_problem

    if sum([tenant is not None, admin, intake]) != 1:
        raise fail("keys create: give exactly one of --tenant T, --admin or --intake", ExitCode.INVALID)
    if tenant is not None and (problem := id_problem(tenant)):
        raise fail(f"--tenant: {problem}", ExitCode.INVALID)
    if name is not None and not (0 < len(name) <= 200):
        raise fail("--name: expected 1 to 200 characters", ExitCode.INVALID)
    if tenant is not None and spec is not None:
        _check_tenant_in_spec(tenant, spec)
    kind = "tenant" if tenant is not None else "admin" if admin else "intake"
    with _store(db) as store:
        typer.echo(create_key(store, kind=kind, tenant=tenant, name=name))


@keys_app.command("list")
def keys_list(
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    format: str = typer.Option("text", "--format", help="text (a table) or json."),
) -> None:
    """List the keys: id, name, scope, tenant, created, revoked (never a secret).

    Examples:

    * `tenantwatch keys list`
    * `tenantwatch keys list --format json | jq '.[] | select(.revoked | not)'`
    """
    from tenantwatch.engine.auth import list_keys

    if format not in ("text", "json"):
        raise fail(f"--format: expected text or json, got {format!r}", ExitCode.INVALID)
    with _store(db) as store:
        keys = list_keys(store)
    if format == "json":
        typer.echo(json.dumps(keys, indent=2))
        return
    table = Table("id", "name", "scope", "tenant", "created (UTC)", "revoked (UTC)", title=f"{len(keys)} key(s)")
    for key in keys:
        table.add_row(str(key["id"]), escape(key["name"]), key["scope"], escape(key["tenant"] or "-"),
                      _when(key["created_at"]), _when(key["revoked_at"]) if key["revoked"] else "[green]active[/green]")
    out.print(table)


def _when(iso: str) -> str:
    """`2026-01-05 12:00` from an ISO time in UTC."""
    return iso[:16].replace("T", " ")


@keys_app.command("revoke")
def keys_revoke(
    key_id: int = typer.Argument(..., metavar="ID", help="The key's id (see `tenantwatch keys list`)."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke a key at once: API calls and dashboard sessions with it are refused from now on.

    Exit 0 when revoked (or already revoked), 1 for an unknown id.

    Example: `tenantwatch keys revoke 3`
    """
    from tenantwatch.engine.auth import revoke_key

    with _store(db) as store:
        key = revoke_key(store, key_id, who=CLI_WHO)
    if key is None:
        raise fail(f"keys revoke: no key with id {key_id} (see `tenantwatch keys list`)")
    owner = f"tenant key of {key['tenant']}" if key["tenant"] else f"{key['scope']} key"
    typer.echo(f"key {key['id']} ({key['name']}, {owner}) is revoked since {_when(key['revoked_at'])} UTC")
