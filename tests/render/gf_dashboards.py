"""Helpers for the Grafana tests: render the target and walk its dashboards' panels."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from tenantwatch.render import RenderOptions
from tenantwatch.render.grafana import render_grafana
from tenantwatch.spec import Spec

# What Grafana substitutes before a query reaches Prometheus.
GRAFANA_MACROS = {"$__rate_interval": "2m", "$__interval": "30s", "$__range": "1h"}
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{")


def dashboards(spec: Spec, **options: Any) -> dict[str, dict]:
    files = render_grafana(spec, RenderOptions(**options))
    return {path: json.loads(text) for path, text in files.items() if path.startswith("dashboards/")}


def panels(board: dict) -> Iterator[dict]:
    for panel in board["panels"]:
        if panel["type"] != "row":
            yield panel


def as_prometheus_query(expr: str, tenant: str) -> str:
    """The query Grafana would send for one chosen tenant."""
    for macro, value in GRAFANA_MACROS.items():
        expr = expr.replace(macro, value)
    return expr.replace("$tenant", tenant)


def metric_names(expr: str) -> set[str]:
    """Metric names of the query's selectors (every generated selector carries a tenant matcher)."""
    return set(SELECTOR.findall(expr)) - {"by", "without", "on", "ignoring", "group_left", "group_right"}
