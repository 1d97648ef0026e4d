"""The user's own rule files go into the Prometheus target and are checked with the rest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SPEC = """
version: 1
platform: extended
discovery: static
prometheus:
  rule_files: [team/{name}]
services:
  api: {{kind: http, targets: ["127.0.0.1:9101"]}}
tenants:
  acme: {{}}
"""
GOOD = {"groups": [{"name": "team", "rules": [{"alert": "TeamQueueStuck", "expr": "vector(1) > 2",
                                              "labels": {"tenant": "acme", "severity": "warning"}}]}]}


def _render(tmp_path: Path, rules: str, *extra: str) -> subprocess.CompletedProcess:
    (tmp_path / "team").mkdir(exist_ok=True)
    (tmp_path / "team" / "queues.yml").write_text(rules)
    (tmp_path / "spec.yaml").write_text(SPEC.format(name="queues.yml"))
    return subprocess.run([sys.executable, "-m", "tenantwatch.cli", "render", str(tmp_path / "spec.yaml"), "--out",
                           str(tmp_path / "out"), "--only", "prometheus", *extra],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)


def test_a_user_rule_file_is_copied_loaded_and_checked(tmp_path: Path) -> None:
    proc = _render(tmp_path, yaml.safe_dump(GOOD), "--verify", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = tmp_path / "out" / "prometheus"
    assert yaml.safe_load((out / "rules" / "user" / "queues.yml").read_text()) == GOOD
    assert "rules/user/queues.yml" in yaml.safe_load((out / "prometheus.yml").read_text())["rule_files"]
    checks = {c["what"]: c["ok"] for c in json.loads(proc.stdout)["checks"]}
    assert checks["promtool check rules"] is True


def test_a_broken_user_rule_file_fails_the_verification(tmp_path: Path) -> None:
    broken = yaml.safe_dump({"groups": [{"name": "team", "rules": [{"alert": "Broken", "expr": "sum by (tenant"}]}]})
    proc = _render(tmp_path, broken, "--verify", "--format", "json")
    assert proc.returncode == 1
    checks = {c["what"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["promtool check rules"]["ok"] is False
    assert "queues.yml" in checks["promtool check rules"]["output"]


def test_a_missing_user_rule_file_is_a_path_qualified_error(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC.format(name="nowhere.yml"))
    proc = subprocess.run([sys.executable, "-m", "tenantwatch.cli", "render", str(tmp_path / "spec.yaml"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert proc.returncode == 1
    assert "prometheus.rule_files[0]" in proc.stderr and "nowhere.yml" in proc.stderr
    assert not (tmp_path / "out" / "prometheus").exists()
