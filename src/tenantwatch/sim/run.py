"""`tenantwatch simulate`: the simulator on its own, for your own Prometheus or the detectors.

The main port serves every series (`/metrics`, `/metrics/<service>`) and the fault API; with
`per_service` each service also gets its own port (main port + 1, + 2, ... in spec order), the
layout a `discovery: static` render scrapes (one job per service, each series once).
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table

from tenantwatch.exitcodes import ExitCode
from tenantwatch.sim.faults import FaultError, parse_fault, random_schedule
from tenantwatch.sim.server import SimServer
from tenantwatch.sim.world import World
from tenantwatch.spec import load_file

err = Console(stderr=True, soft_wrap=True)


def service_ports(services: list[str], port: int) -> dict[str, int]:
    """Main port + 1, + 2, ... per service (spec order); all 0 (any free port) when port is 0."""
    return {name: (port + 1 + i if port else 0) for i, name in enumerate(services)}


def run_simulator(*, spec_path: Path, host: str, port: int, per_service: bool, seed: int, speed: float,
                  fault_every: float, faults: Sequence[str] = (), stop: threading.Event | None = None) -> ExitCode:
    """Serve until Ctrl-C / SIGTERM (or `stop` is set), with `faults` (TENANT:KIND, e.g.
    platform:db_down) active from the start; returns the exit code."""
    result = load_file(spec_path)
    if result.spec is None:
        for issue in result.errors:
            err.print(f"{issue.path}: {issue.message}", markup=False)
        return ExitCode.INVALID
    spec = result.spec
    if not spec.tenants:
        err.print("tenants: the simulator needs at least one tenant", markup=False)
        return ExitCode.INVALID
    schedule = random_schedule(spec, seed, fault_every, fault_every / 2, 1000) if fault_every > 0 else []
    world = World(spec, seed=seed, speed=speed, schedule=schedule)
    for text in faults:
        try:
            world.inject(*parse_fault(text))
        except FaultError as exc:
            err.print(f"--fault: {exc}", markup=False)
            return ExitCode.INVALID
    server = SimServer(world, host=host)
    try:
        server.start(port, service_ports(list(spec.services), port) if per_service else None)
    except OSError as exc:
        err.print(f"simulate: cannot listen on {host}:{port}: {exc.strerror or exc}", markup=False)
        return ExitCode.FAILED
    table = Table("serves", "url", title=f"simulating {len(spec.tenants)} tenant(s) of {spec_path}")
    table.add_row("every service (and /faults)", server.url() + "/metrics")
    for name in spec.services if per_service else ():
        table.add_row(name, server.url(name) + "/metrics")
    Console().print(table)
    stop = stop or threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    try:
        stop.wait()
    finally:
        server.stop()
    return ExitCode.OK
