"""docs/input-metrics.md is the exporter contract users wire real exporters from: every series
the rendered rules read, every family the simulator exposes and every series the page's own
instrumentation example exposes must be on the page, with the labels its table gives."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.sim.signals import METRICS as SIMULATED
from tenantwatch.spec import load_text

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "input-metrics.md"
KINDS = {"http", "postgres", "redis", "kafka", "worker", "model"}

STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
MATCHERS = re.compile(r"\{[^}]*\}")
RANGE = re.compile(r"\[[^\]]*\]")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
OFFSET = re.compile(r"\boffset\s+\S+")
IDENTIFIER = re.compile(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*")
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"}
CODE_NAME = re.compile(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)`")


def selected_metrics(expr: str) -> set[str]:
    """Metric names a PromQL expression selects: identifiers that are not functions,
    keywords, label names (inside matchers or groupings) or numbers and durations."""
    expr = OFFSET.sub("", GROUPING.sub("", RANGE.sub("", MATCHERS.sub("", STRING.sub('""', expr)))))
    names = set()
    for match in IDENTIFIER.finditer(expr):
        if not expr[match.end():].lstrip().startswith("("):
            names.add(match.group())
    return names - KEYWORDS


def raw_series(rule_files: dict[str, str]) -> set[str]:
    """Series the rules read that no rule records (recording names contain a colon)."""
    exprs = [str(rule["expr"]) for text in rule_files.values()
             for group in (yaml.safe_load(text) or {}).get("groups", []) for rule in group["rules"]]
    return {name for expr in exprs for name in selected_metrics(expr) if ":" not in name}


def every_kind_spec():
    """The shared-services example (shared postgres, redis and kafka; per-tenant http and
    worker) plus a model service: every kind and area. Its custom SLO is dropped: those
    series are the user's own."""
    data = yaml.safe_load((REPO / "examples" / "shared-services.yaml").read_text(encoding="utf-8"))
    data["services"]["recommender"] = {"kind": "model", "depends_on": ["db"]}
    data.pop("slos")
    result = load_text(yaml.safe_dump(data), environ={})
    assert result.spec is not None, [f"{i.path}: {i.message}" for i in result.errors]
    assert {s.kind for s in result.spec.services.values()} == KINDS
    return result.spec


@cache
def rules_read() -> frozenset[str]:
    files = render_tree(every_kind_spec(), RenderOptions(), ["prometheus"])["prometheus"]
    return frozenset(raw_series({p: t for p, t in files.items() if p.startswith("rules/") and p.endswith(".yml")}))


def page() -> str:
    return PAGE.read_text(encoding="utf-8")


def documented() -> set[str]:
    return set(CODE_NAME.findall(page()))


def table_row(metric: str) -> str:
    """The page's table row whose first cell is the metric (a histogram's `_sum` and `_count`
    may share the row of its `_bucket`)."""
    lines = page().splitlines()
    for name in (metric, re.sub(r"_(sum|count)$", "_bucket", metric)):
        rows = [line for line in lines if line.startswith(f"| `{name}` |")]
        if rows:
            return rows[0]
    raise AssertionError(f"docs/input-metrics.md has no table row for `{metric}`")


def test_the_selector_parser_finds_metric_names() -> None:
    expr = ('sum by (tenant, service) (label_replace(rate(pg_stat_database_deadlocks{service=~"db"}[5m]), '
            '"tenant", "platform", "tenant", "")) / on(tenant) group_left() tenant_service:x:y offset 1h '
            '> 0 unless ALERTS{alertname="X"}')
    assert selected_metrics(expr) == {"pg_stat_database_deadlocks", "tenant_service:x:y", "ALERTS"}


def test_every_series_the_rendered_rules_read_is_documented() -> None:
    read = rules_read()
    # a parser that found nothing would make this test vacuous
    assert {"up", "pg_up", "redis_evicted_keys_total", "kafka_consumergroup_lag", "model_drift_score",
            "kube_pod_container_resource_limits", "node_cpu_seconds_total", "tenant_cost_eur_total"} <= read
    missing = sorted(read - documented())
    assert not missing, f"docs/input-metrics.md does not document series the rules read: {missing}"


def test_every_family_the_simulator_exposes_is_documented() -> None:
    names = documented()
    missing = sorted(f for f in SIMULATED if f not in names and f"{f}_bucket" not in names)
    assert not missing, f"the simulator exposes families docs/input-metrics.md does not list: {missing}"


def test_documented_metric_types_match_the_simulator() -> None:
    """The simulator declares each family as its real exporter does; the page must agree."""
    for family, (kind, _) in SIMULATED.items():
        name = family if kind != "histogram" else f"{family}_bucket"
        assert f"| {kind}" in table_row(name), f"`{name}` is a {kind} (simulator), not as docs/input-metrics.md says"


def test_the_instrumentation_example_exposes_documented_series_and_labels() -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", page(), re.S | re.M)
    assert len(blocks) == 1, "docs/input-metrics.md should hold one Python example"
    dump = "\nimport sys\nfrom prometheus_client import generate_latest\nsys.stdout.write(generate_latest().decode())\n"
    run = subprocess.run([sys.executable, "-c", blocks[0] + dump], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    exposed = {sample.name: set(sample.labels) for family in text_string_to_metric_families(run.stdout)
               for sample in family.samples if not sample.name.endswith("_created")}
    read = rules_read() | {"model_training_duration_seconds"}  # a dashboard panel reads the last one
    for name, labels in exposed.items():
        if name.startswith(("python_", "process_")):
            continue  # the client's own default collectors
        assert "tenant" in labels, f"the example's `{name}` has no tenant label"
        row = table_row(name)
        unlisted = sorted(label for label in labels - {"tenant", "le"} if f"`{label}`" not in row)
        assert not unlisted, f"`{name}` carries labels its row in docs/input-metrics.md does not list: {unlisted}"
        if name.endswith(("_bucket", "_sum", "_count")) and name not in read:
            continue  # the other series of a histogram the rules read through its buckets
        assert name in read, f"the example exposes `{name}`, which no rendered rule reads"
