"""`tenantwatch demo`: the whole loop on one machine."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from tenantwatch.demo.console import run_demo


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
    raise typer.Exit(run_demo(fault=fault, once=once, timeout=timeout, seed=seed, speed=speed,
                              fault_every=fault_every, spec=spec, format=format))
