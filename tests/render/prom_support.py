"""Helpers for the Prometheus rules tests: render a spec into a folder, run promtool, read rules."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tenantwatch.render import RenderOptions
from tenantwatch.render.emit import write_tree
from tenantwatch.render.prometheus import render_prometheus
from tenantwatch.spec import Spec, load_file, load_text

SPECS = Path(__file__).parent / "prom_specs"
REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "platform.yaml"


def spec_from_file(path: Path) -> Spec:
    result = load_file(path)
    assert result.spec is not None, result.issues
    return result.spec


def spec_from_text(text: str) -> Spec:
    result = load_text(text, environ={})
    assert result.spec is not None, result.issues
    return result.spec


@dataclass(frozen=True)
class Rendered:
    root: Path  # the prometheus/ folder
    files: dict[str, str]

    def rule_files(self) -> list[str]:
        return sorted(f for f in self.files if f.startswith("rules/"))

    def test_files(self) -> list[str]:
        return sorted(f for f in self.files if f.startswith("tests/"))

    def alerting_rules(self) -> list[dict]:
        return [r for f in self.rule_files() for g in yaml.safe_load(self.files[f])["groups"] for r in g["rules"] if "alert" in r]

    def test_groups(self) -> list[dict]:
        return [g for f in self.test_files() for g in yaml.safe_load(self.files[f])["tests"]]


def render(spec: Spec, out: Path, profile: str = "standard") -> Rendered:
    files = render_prometheus(spec, RenderOptions(profile=profile))
    write_tree(out, {"prometheus": files})
    return Rendered(out / "prometheus", files)


def promtool(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], cwd=root, capture_output=True, text=True, timeout=600)


def assert_promtool_passes(rendered: Rendered) -> None:
    """`promtool check rules` on every rule file and `promtool test rules` on every test."""
    checked = promtool(rendered.root, "check", "rules", "--lint=duplicate-rules", "--lint-fatal", *rendered.rule_files())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool(rendered.root, "test", "rules", *rendered.test_files())
    assert tested.returncode == 0, tested.stdout + tested.stderr


def tenants_spec(count: int, overrides: bool) -> Spec:
    """A spec with `count` tenants spread over three tiers (one quiet, two with their own
    objectives); with `overrides` each tenant also changes its error_rate."""
    lines = []
    for i in range(count):
        extra = f", objectives: {{error_rate: {0.02 + i / 100000:.5f}}}" if overrides else ""
        lines.append(f"  t{i}: {{tier: {('gold', 'silver', 'free')[i % 3]}{extra}}}")
    tenants = "\n".join(lines)
    return spec_from_text(f"""
version: 1
platform: scale
tiers:
  gold: {{objectives: {{availability: 99.99%, latency_p95: 100ms}}}}
  silver: {{}}
  free: {{page: false, objectives: {{latency_p95: 1s, connection_usage: 95%}}}}
services:
  api: {{kind: http}}
  db: {{kind: postgres}}
tenants:
{tenants}
""")
