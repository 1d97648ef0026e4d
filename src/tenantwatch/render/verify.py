"""Checks a rendered tree with the real tools: promtool and amtool (Debian packages)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "install it with: apt-get install --no-install-recommends prometheus prometheus-alertmanager"


@dataclass(frozen=True)
class ToolRun:
    what: str
    ok: bool
    output: str


class ToolMissing(Exception):
    """promtool or amtool is not on PATH."""


def _run(what: str, argv: list[str], cwd: Path) -> ToolRun:
    if shutil.which(argv[0]) is None:
        raise ToolMissing(f"{argv[0]} not found; {INSTALL_HINT}")
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    return ToolRun(what, proc.returncode == 0, (proc.stdout + proc.stderr).strip())


def verify_tree(out: Path) -> list[ToolRun]:
    """Every check that applies to what is in `out`: rules, config, unit tests, Alertmanager."""
    runs = []
    prom = out / "prometheus"
    # rules/ and below: the user's rule files (rules/user/, or their own beside ours) are checked too
    rules = sorted(str(p.relative_to(prom)) for p in (prom / "rules").rglob("*") if p.suffix in (".yml", ".yaml"))
    tests = sorted(str(p.relative_to(prom)) for p in (prom / "tests").glob("*.yml"))
    if rules:
        runs.append(_run("promtool check rules", ["promtool", "check", "rules", "--lint=duplicate-rules", "--lint-fatal", *rules], prom))
    if (prom / "prometheus.yml").exists():
        runs.append(_run("promtool check config", ["promtool", "check", "config", "--syntax-only", "prometheus.yml"], prom))
    if tests:
        runs.append(_run("promtool test rules", ["promtool", "test", "rules", *tests], prom))
    am = out / "alertmanager" / "alertmanager.yml"
    if am.exists():
        runs.append(_run("amtool check-config", ["amtool", "check-config", am.name], am.parent))
    return runs
