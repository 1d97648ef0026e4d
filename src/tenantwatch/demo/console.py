"""What `tenantwatch demo` shows: start-up progress, the URLs and keys, then either the
once-through report or a live feed of incidents until Ctrl-C / SIGTERM."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.demo.loop import LoopReport, Stage, close_loop
from tenantwatch.demo.stack import STEPS, Stack, StackError
from tenantwatch.demo.wiring import WiringError, demo_spec_text, parse
from tenantwatch.exitcodes import ExitCode
from tenantwatch.sim import FaultError, parse_fault, random_schedule
from tenantwatch.sim.faults import resolve

out = Console()
err = Console(stderr=True, soft_wrap=True)


def _interrupt_on_sigterm() -> None:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _start(stack: Stack, quiet: bool) -> None:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, disable=quiet, transient=True) as progress:
        task = progress.add_task("starting", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=f"starting {name}", completed=STEPS.index(name))

        stack.on_step = step
        stack.start()
        progress.update(task, completed=len(STEPS))


def _summary(stack: Stack) -> Table:
    table = Table("what", "where", title="tenantwatch demo is running", show_lines=False)
    for name in ("dashboard", "engine", "prometheus", "alertmanager", "simulator", "slack"):
        table.add_row(name, stack.urls[name])
    assert stack.keys is not None
    table.add_row("admin key", stack.keys.admin)
    table.add_row(f"tenant key ({stack.keys.tenant})", stack.keys.tenant_key)
    faults = stack.urls["simulator"] + "/faults"
    table.add_row("inject a fault", f"curl -X POST {faults} -d '{{\"tenant\": \"{stack.keys.tenant}\", \"kind\": \"error_burst\"}}'")
    for shared in stack.spec.shared_services()[:1]:
        table.add_row("kill a shared service",
                      f"curl -X POST {faults} -d '{{\"tenant\": \"{PLATFORM_TENANT}\", \"kind\": \"service_down\", \"service\": \"{shared}\"}}'")
    return table


def _report_table(report: LoopReport) -> Table:
    table = Table("after (s)", "stage", "detail", title=f"{report.kind} on {report.tenant}")
    for stage in report.stages:
        table.add_row(f"{stage.seconds:.1f}", stage.what, stage.detail)
    return table


def _follow(stack: Stack) -> None:
    """Print each new incident (and its status and level changes) and each notification the
    recording channels receive, until interrupted."""
    seen: dict[Any, str] = {}
    delivered = 0
    out.print("watching incidents; press Ctrl-C to stop everything")
    while True:
        try:
            for incident in stack.incidents():
                state = f"{incident.get('status')} {incident.get('severity')} {incident.get('escalation_level')}"
                if seen.get(incident.get("id")) != state:
                    seen[incident.get("id")] = state
                    out.print(f"incident #{incident.get('id')} [{incident.get('tenant')}] {state}: {incident.get('title')}",
                              markup=False, highlight=False)
        except (httpx.HTTPError, ValueError) as exc:  # the engine restarting must not end the demo
            err.print(f"engine not answering: {type(exc).__name__}", markup=False)
        received = stack.recorder.received()
        for request in received[delivered:]:
            body = request.json() or {}
            what = body.get("text") or body.get("payload", {}).get("summary") or request.path
            out.print(f"  notified {request.path.rsplit('/', 1)[-1]}: {what}", markup=False, highlight=False)
        delivered = len(received)
        time.sleep(2)


def _read(spec: Path) -> str:
    try:
        return spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WiringError(f"--spec: cannot read {spec}: {getattr(exc, 'strerror', None) or exc}") from None


def run_demo(*, fault: str | None, once: bool, timeout: float, seed: int, speed: float, fault_every: float,
             spec: Path | None, format: str) -> ExitCode:
    """The demo; returns the exit code (0 ok, 1 the loop did not close or the stack failed, 2 bad input)."""
    if format not in ("text", "json"):
        err.print(f"demo: --format: expected text or json, got {format!r}", markup=False)
        return ExitCode.INVALID
    try:
        text = _read(spec) if spec else demo_spec_text()
        parsed = parse(text)
        tenant, kind = parse_fault(fault) if fault else (next(iter(parsed.tenants)), "error_burst")
        resolve(parsed, tenant, kind)  # refuse a fault the spec cannot show before starting anything
        scheduled = not once and not fault and fault_every > 0
        schedule = random_schedule(parsed, seed, fault_every, fault_every / 2, 100) if scheduled else []
        stack = Stack(text, seed=seed, speed=speed, schedule=schedule)
    except (WiringError, FaultError) as exc:
        err.print(f"demo: {exc}", markup=False)
        return ExitCode.INVALID
    _interrupt_on_sigterm()
    try:
        _start(stack, quiet=format == "json")
        if format != "json":
            out.print(_summary(stack))
        if once:
            return _once(stack, tenant, kind, timeout, format)
        if fault:
            injected = stack.inject(tenant, kind)
            out.print(f"injected {injected.kind} on {tenant}: {', '.join(injected.services)}", markup=False)
        _follow(stack)
    except StackError as exc:
        err.print(f"demo: {exc}", markup=False)
        return ExitCode.FAILED
    except KeyboardInterrupt:
        err.print("stopping every part of the demo...")
    finally:
        for leftover in stack.stop():
            err.print(f"demo: warning: {leftover} after stopping", markup=False)
    return ExitCode.OK


def _once(stack: Stack, tenant: str, kind: str, timeout: float, format: str) -> ExitCode:
    def show(stage: Stage) -> None:
        if format != "json":
            err.print(f"[{stage.seconds:6.1f}s] {stage.what}", markup=False)

    report = close_loop(stack, tenant, kind, timeout, show)
    if format == "json":
        print(json.dumps({**report.as_dict(), "urls": stack.urls}), flush=True)
    else:
        out.print(_report_table(report))
        if not report.closed:
            err.print(f"demo: the loop did not close: {report.failure}", markup=False)
    return ExitCode.OK if report.closed else ExitCode.FAILED
