"""Dashboards as data, turned into Grafana models by the Grafana foundation SDK.

A dashboard is a list of rows of `Graph`s; this module owns the layout, the `tenant`
variable (and a board's own filters) and the datasource reference, so every dashboard gets
them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef, Threshold, ThresholdsMode, VariableRefresh, VariableSort,
)

from tenantwatch import conventions

DATASOURCE = DataSourceRef(type_val="prometheus", uid=conventions.DATASOURCE_UID)
GRID_WIDTH = 24
_HEIGHT = {"timeseries": 8, "stat": 5}
_WIDTH = {"timeseries": 12, "stat": 6}


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Graph:
    """One panel: queries over the recording rules, a unit, and where it turns red."""

    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: Literal["timeseries", "stat"] = "timeseries"
    red_above: float | None = None
    red_below: float | None = None
    needs: str | None = None  # a service kind; without one in the spec, its rules do not exist
    description: str = ""


@dataclass(frozen=True)
class Variable:
    """A multi-select filter over the values of `label` on the series `source`."""

    label: str
    title: str
    source: str


TENANT_VARIABLE = Variable(conventions.TENANT, "Tenant", "up")


@dataclass(frozen=True)
class Board:
    uid: str
    title: str
    description: str
    rows: tuple[tuple[str, tuple[Graph, ...]], ...] = field(default_factory=tuple)
    filters: tuple[Variable, ...] = ()  # after the tenant variable


def query_variable(variable: Variable) -> dashboard.QueryVariable:
    """Multi-select picker; "All" is `.*` so 10 000 tenants do not build a huge regex."""
    return (
        dashboard.QueryVariable(variable.label)
        .label(variable.title)
        .query(f"label_values({variable.source}, {variable.label})")
        .datasource(DATASOURCE)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
    )


def _thresholds(graph: Graph) -> dashboard.ThresholdsConfig:
    if graph.red_below is not None:
        steps = [Threshold(value=None, color="red"), Threshold(value=round(graph.red_below, 9), color="green")]
    elif graph.red_above is not None:
        steps = [Threshold(value=None, color="green"), Threshold(value=round(graph.red_above, 9), color="red")]
    else:
        steps = [Threshold(value=None, color="green")]
    return dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps)


def _targets(graph: Graph, instant: bool) -> list[prometheus.Dataquery]:
    targets = []
    for index, query in enumerate(graph.queries):
        target = prometheus.Dataquery().expr(query.expr).legend_format(query.legend).ref_id(chr(ord("A") + index)).datasource(DATASOURCE)
        targets.append(target.instant() if instant else target.range())
    return targets


def _panel(graph: Graph, panel_id: int) -> timeseries.Panel | stat.Panel:
    if graph.kind == "stat":
        panel = stat.Panel().targets(_targets(graph, instant=True))
    else:
        panel = timeseries.Panel().targets(_targets(graph, instant=False))
        if graph.red_above is not None or graph.red_below is not None:
            panel = panel.thresholds_style(common.GraphThresholdsStyleConfig().mode(common_models.GraphThresholdsStyleMode.LINE))
    return (
        panel.id(panel_id).title(graph.title).description(graph.description).datasource(DATASOURCE)
        .unit(graph.unit).thresholds(_thresholds(graph))
        .height(_HEIGHT[graph.kind]).span(_WIDTH[graph.kind])
    )


def build(board: Board, kinds: set[str]) -> str | None:
    """The dashboard JSON, as Grafana's provisioning loads it, with the panels `kinds` allow;
    None when none is left (an area the spec does not have gets no empty dashboard)."""
    rows = [(title, graphs) for title, all_graphs in board.rows
            if (graphs := [g for g in all_graphs if g.needs is None or g.needs in kinds])]
    if not rows:
        return None
    builder = (
        dashboard.Dashboard(board.title).uid(board.uid).description(board.description)
        .tags(["tenantwatch", "generated"]).time("now-6h", "now").refresh("1m").timezone("utc")
    )
    for variable in (TENANT_VARIABLE, *board.filters):
        builder = builder.with_variable(query_variable(variable))
    panel_id = 1
    for row_title, graphs in rows:
        builder = builder.with_row(dashboard.Row(row_title).id(panel_id))
        panel_id += 1
        for graph in graphs:
            builder = builder.with_panel(_panel(graph, panel_id))
            panel_id += 1
    return JSONEncoder(sort_keys=True, indent=2).encode(builder.build()) + "\n"
