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
    for config in _prometheus_configs(prom):
        what = "promtool check config" + ("" if config == "prometheus.yml" else f" {config}")
        runs.append(_run(what, ["promtool", "check", "config", "--syntax-only", config], prom))
    if tests:
        runs.append(_run("promtool test rules", ["promtool", "test", "rules", *tests], prom))
    am = out / "alertmanager" / "alertmanager.yml"
    # the cluster's replicas all read this one file: checking it checks the cluster's config
    if am.exists():
        runs.append(_run("amtool check-config", ["amtool", "check-config", am.name], am.parent))
    return runs


def _prometheus_configs(prom: Path) -> list[str]:
    """The single node's prometheus.yml, or each shard's, and the global view receiver's."""
    found = [prom / "prometheus.yml", *sorted((prom / "shards").glob("shard-*/prometheus.yml")),
             prom / "receiver" / "prometheus.yml"]
    return [str(path.relative_to(prom)) for path in found if path.exists()]
