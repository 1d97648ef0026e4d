"""`tenantwatch simulate`: the spec's tenants and services as their exporters would expose them."""

from __future__ import annotations

from pathlib import Path

import typer

from tenantwatch.sim.run import run_simulator


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
    raise typer.Exit(run_simulator(spec_path=spec, host=host, port=port, per_service=per_service, seed=seed,
                                   speed=speed, fault_every=fault_every, faults=fault))
