"""The Prometheus text exposition format (0.0.4) of the simulator's series.

Written by hand rather than through prometheus-client collectors because exporters such
as postgres_exporter expose counters without the `_total` suffix (pg_stat_database_deadlocks),
which the client library would rename.
"""

from __future__ import annotations

from itertools import groupby
from typing import Iterable

from tenantwatch.sim.signals import METRICS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def family_of(name: str) -> str:
    """The metric family a sample belongs to (a histogram's _bucket/_sum/_count -> its name)."""
    for suffix in _HISTOGRAM_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and base in METRICS and METRICS[base][0] == "histogram":
            return base
    return name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items())) + "}"


def render(series: Iterable[tuple[str, dict[str, str], float]]) -> str:
    """`# HELP` and `# TYPE` lines per family, then its samples, families in name order."""
    ordered = sorted(series, key=lambda s: (family_of(s[0]), s[0], sorted(s[1].items())))
    lines: list[str] = []
    for family, samples in groupby(ordered, key=lambda s: family_of(s[0])):
        kind, text = METRICS.get(family, ("untyped", family))
        lines.append(f"# HELP {family} {_escape_help(text)}")
        lines.append(f"# TYPE {family} {kind}")
        lines.extend(f"{name}{_labels(labels)} {value!r}" for name, labels, value in samples)
    return "\n".join(lines) + "\n"
