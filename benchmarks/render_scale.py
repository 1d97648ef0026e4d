"""How the Prometheus rules scale with the number of tenants, beside one rule set per tenant.

For 10, 1 000 and 10 000 generated tenants (three tiers, about 10% with overrides) it prints
the spec load+validate time, the render time, the alerting and recording rule counts (the
recording rules split into the rules proper, the per-tenant info lines and the override
lines of the objectives table) and the bytes of rules; then the same figures for the
approach a user gets from Sloth or hand-written rules: every tenant rendered as its own
single-tenant spec. Where rendering every tenant separately would take too long, a sample
is rendered and the totals are extrapolated (the table says so). Tenants that only name a
tier add one info line each and nothing else: the rules proper stay the same.

    .venv/bin/python benchmarks/render_scale.py [--sizes 10,1000,10000] [--sample 200] [--check-prometheus]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from tenantwatch import conventions
from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.spec import Spec, load_text

HEADER = """\
version: 1
platform: bench
discovery: static
channels:
  chat: {type: slack, webhook_url: env:SLACK_URL}
escalation:
  - {level: L1, after: 0m, notify: [chat]}
tiers:
  enterprise: {page: true, objectives: {availability: 99.95%, latency_p95: 200ms}}
  standard: {page: true}
  free: {page: false, objectives: {latency_p95: 1s, error_rate: 2%, availability: 99%}}
services:
  api: {kind: http, targets: ["127.0.0.1:9101"]}
  db: {kind: postgres, targets: ["127.0.0.1:9187"]}
  cache: {kind: redis, targets: ["127.0.0.1:9121"]}
  jobs: {kind: worker, targets: ["127.0.0.1:9102"]}
  recommender: {kind: model, targets: ["127.0.0.1:9103"]}
"""
OVERRIDES = ("{latency_p95: 500ms}", "{error_rate: 0.5%, availability: 99.5%}", "{queue_backlog: 5000}",
             "{model_accuracy: 70%, drift_score: 0.3}", "{connection_usage: 90%, redis_memory_usage: 80%}")
TIERS = ("enterprise", "standard", "standard", "free", "free")


OVERRIDE_LINES = ("tenantwatch:objective_override:", conventions.TENANT_PAGE)


@dataclass
class Figures:
    load_s: float
    render_s: float
    alerting: int
    recording: int
    info_lines: int
    override_lines: int
    rule_bytes: int
    note: str = ""


def tenant_lines(count: int, seed: int = 7) -> list[str]:
    """One YAML line per tenant: a tier each, an override for about one in ten."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        extra = f", objectives: {rng.choice(OVERRIDES)}" if rng.random() < 0.1 else ""
        lines.append(f"  t{i:05d}: {{tier: {TIERS[i % len(TIERS)]}{extra}}}")
    return lines


def spec_text(lines: list[str]) -> str:
    return HEADER + "tenants:\n" + "\n".join(lines) + "\n"


def load(text: str) -> tuple[Spec, float]:
    started = time.perf_counter()
    result = load_text(text, environ={})
    elapsed = time.perf_counter() - started
    if result.spec is None:
        raise SystemExit("generated spec is invalid:\n" + "\n".join(map(str, result.errors)))
    return result.spec, elapsed


def rules_of(spec: Spec) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    files = render_tree(spec, RenderOptions(), ["prometheus"])["prometheus"]
    return {path: text for path, text in files.items() if path.startswith("rules/")}, time.perf_counter() - started


def count(rule_files: dict[str, str]) -> tuple[int, int, int, int, int]:
    """(alerting rules, recording rules proper, tenant info lines, override lines, bytes)."""
    alerting = recording = info = overrides = 0
    for text in rule_files.values():
        for group in (yaml.safe_load(text) or {}).get("groups", []):
            for rule in group.get("rules", []):
                record = rule.get("record", "")
                alerting += "alert" in rule
                info += record == conventions.TENANT_INFO
                overrides += record.startswith(OVERRIDE_LINES)
                recording += bool(record) and record != conventions.TENANT_INFO and not record.startswith(OVERRIDE_LINES)
    return alerting, recording, info, overrides, sum(len(t.encode()) for t in rule_files.values())


def shared(lines: list[str]) -> tuple[Figures, dict[str, str]]:
    spec, load_s = load(spec_text(lines))
    rule_files, render_s = rules_of(spec)
    return Figures(load_s, render_s, *count(rule_files)), rule_files


def per_tenant(lines: list[str], sample: int) -> Figures:
    """Every tenant as its own spec (Sloth / hand-written style); extrapolated past `sample`."""
    chosen = lines if len(lines) <= sample else random.Random(11).sample(lines, sample)
    total = Figures(0.0, 0.0, 0, 0, 0, 0, 0)
    for line in chosen:
        spec, load_s = load(spec_text([line]))
        rule_files, render_s = rules_of(spec)
        alerting, recording, info, overrides, size = count(rule_files)
        total = Figures(total.load_s + load_s, total.render_s + render_s, total.alerting + alerting,
                        total.recording + recording, total.info_lines + info, total.override_lines + overrides,
                        total.rule_bytes + size)
    if len(chosen) == len(lines):
        return total
    factor = len(lines) / len(chosen)
    return Figures(total.load_s * factor, total.render_s * factor, round(total.alerting * factor),
                   round(total.recording * factor), round(total.info_lines * factor), round(total.override_lines * factor),
                   round(total.rule_bytes * factor), f"extrapolated from {len(chosen)} tenants")


def promtool_check(rule_files: dict[str, str]) -> tuple[float, str]:
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        paths = []
        for rel, text in rule_files.items():
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            paths.append(str(path))
        started = time.perf_counter()
        proc = subprocess.run(["promtool", "check", "rules", *paths], capture_output=True, text=True)
        elapsed = time.perf_counter() - started
    return elapsed, "ok" if proc.returncode == 0 else "FAILED: " + (proc.stdout + proc.stderr)[-500:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,1000,10000", help="tenant counts, comma-separated")
    parser.add_argument("--sample", type=int, default=200, help="per-tenant renders before extrapolating")
    parser.add_argument("--check-prometheus", action="store_true", help="promtool check rules on the largest render")
    args = parser.parse_args()
    console = Console(width=170)  # the table stays readable when piped into a file
    table = Table(title="Prometheus rules: one shared rule set vs one rule set per tenant")
    for column in ("tenants", "approach", "load+validate", "render", "alerting rules", "recording rules",
                   "info lines", "override lines", "bytes of rules", "note"):
        table.add_column(column, justify="left" if column in ("approach", "note") else "right")
    largest: dict[str, str] = {}
    sizes = [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        lines = tenant_lines(size)
        with console.status(f"{size} tenants: shared rules"):
            figures, rule_files = shared(lines)
        with console.status(f"{size} tenants: one rule set per tenant"):
            separate = per_tenant(lines, args.sample)
        for name, f in (("tenantwatch (shared)", figures), ("per tenant (Sloth-style)", separate)):
            table.add_row(f"{size:,}", name, f"{f.load_s:.2f}s", f"{f.render_s:.2f}s", f"{f.alerting:,}",
                          f"{f.recording:,}", f"{f.info_lines:,}", f"{f.override_lines:,}", f"{f.rule_bytes:,}", f.note)
        if size == max(sizes):
            largest = rule_files
    console.print(table)
    if args.check_prometheus:
        with console.status(f"promtool check rules ({max(sizes)} tenants)"):
            elapsed, verdict = promtool_check(largest)
        console.print(f"promtool check rules on the {max(sizes):,}-tenant render: {elapsed:.2f}s, {verdict}")


if __name__ == "__main__":
    main()
