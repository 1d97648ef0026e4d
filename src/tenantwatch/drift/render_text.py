"""The analysis as tables for a terminal (rich): the verdict, the features (drifted first),
the quality problems, the model's performance."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tenantwatch.drift.analysis import Analysis


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def render(analysis: Analysis, console: Console) -> None:
    dataset = analysis.dataset
    verdict = "DRIFT" if dataset.drift else "no drift"
    drifted = sum(f.drift for f in analysis.features)
    console.print(f"Dataset: {verdict}: {drifted} of {len(analysis.features)} features drifted "
                  f"({dataset.drifted_share:.0%}); rows: reference {analysis.reference_rows}, current {analysis.current_rows}",
                  markup=False, highlight=False)
    features = Table("feature", "kind", "method", "statistic", "p-value", "threshold", "drift", title="Drift per feature")
    for f in sorted(analysis.features, key=lambda f: (not f.drift, f.name)):
        features.add_row(Text(f.name), f.kind, f.method, _score(f.statistic), _score(f.p_value), f"{f.threshold:g}",
                         "[bold red]yes[/]" if f.drift else "no")
    console.print(features)
    problems = [(name, p) for name, found in analysis.quality.items() for p in found]
    if problems:
        table = Table("column", "check", "problem", title="Data quality")
        for name, problem in problems:
            table.add_row(Text(name), problem.check, Text(problem.message))
        console.print(table)
    else:
        console.print("Data quality: no problems", highlight=False)
    if analysis.performance is not None:
        render_performance(analysis.performance, console)


def render_performance(performance: dict, console: Console) -> None:
    metrics = [key for key in performance["reference"] if key != "rows"]
    table = Table("metric", "reference", "current",
                  title=f"Model performance ({performance['task']}: {performance['prediction']} against {performance['target']})")
    for key in ["rows", *metrics]:
        table.add_row(key, _score(performance["reference"][key]), _score(performance["current"][key]))
    drift = performance["prediction_drift"]
    table.add_row("prediction drift", "", "-" if drift is None else ("yes" if drift else "no"))
    console.print(table)
