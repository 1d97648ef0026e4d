"""Rendering helpers for the Alertmanager tests: write the target's files and run amtool."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tenantwatch.render import RenderOptions
from tenantwatch.render.alertmanager import render_alertmanager
from tenantwatch.spec import Spec


def render_to(spec: Spec, folder: Path, **options: object) -> Path:
    """Render the alertmanager target into `folder`; returns the path of alertmanager.yml."""
    for rel, content in render_alertmanager(spec, RenderOptions(**options)).items():  # type: ignore[arg-type]
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return folder / "alertmanager.yml"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["amtool", *args], capture_output=True, text=True, timeout=60)


def check_config(config: Path) -> None:
    run = amtool("check-config", str(config))
    assert run.returncode == 0, run.stdout + run.stderr


def route_receivers(config: Path, **labels: str) -> list[str]:
    """The receivers `amtool config routes test` resolves for an alert with these labels."""
    run = amtool("config", "routes", "test", f"--config.file={config}", *(f"{k}={v}" for k, v in labels.items()))
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().split(",")
