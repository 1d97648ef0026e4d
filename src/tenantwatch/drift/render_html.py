"""The analysis as one self-contained HTML page for a person: the verdict, every feature's
test and score, a plot of reference against current for each drifted feature, the quality
problems and the model's performance."""

from __future__ import annotations

from html import escape

from tenantwatch.drift.analysis import Analysis
from tenantwatch.drift.plots import bars

STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}.drift{color:#b00;font-weight:bold}
.verdict{font-size:1.3rem}figure{margin:1rem 0}"""


def _cell(value: object) -> str:
    if value is None:
        return "<td>-</td>"
    if isinstance(value, float):
        return f"<td>{value:.4g}</td>"
    return f"<td>{escape(str(value))}</td>"


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render(analysis: Analysis, reference_name: str, current_name: str) -> str:
    dataset = analysis.dataset
    drifted = [f for f in analysis.features if f.drift]
    verdict = "Dataset drift" if dataset.drift else "No dataset drift"
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Drift: {escape(current_name)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>Drift of {escape(current_name)} against {escape(reference_name)}</h1>",
             f"<p class='verdict{' drift' if dataset.drift else ''}'>{verdict}: {len(drifted)} of "
             f"{len(analysis.features)} features drifted ({dataset.drifted_share:.0%}).</p>",
             f"<p>Rows: reference {analysis.reference_rows}, current {analysis.current_rows}.</p>",
             "<h2>Features</h2>",
             _table(["feature", "kind", "method", "statistic", "p-value", "threshold", "drift"],
                    [[f.name, f.kind, f.method, f.statistic, f.p_value, f.threshold, "yes" if f.drift else "no"]
                     for f in sorted(analysis.features, key=lambda f: (not f.drift, f.name))])]
    if drifted:
        parts.append("<h2>Drifted features</h2>")
        for f in drifted:
            title = f"{f.name}: {f.method} {f.statistic:.4g} (threshold {f.threshold:g})"
            parts.append(f"<figure>{bars(f.distribution, title)}</figure>")
    problems = [[name, p.check, p.message] for name, found in analysis.quality.items() for p in found]
    parts.append("<h2>Data quality</h2>")
    parts.append(_table(["column", "check", "problem"], problems) if problems else "<p>No problems.</p>")
    performance = analysis.performance
    if performance is not None:
        parts.append(f"<h2>Model performance ({escape(performance['task'])})</h2>")
        keys = list(performance["reference"])
        parts.append(_table(["metric", "reference", "current"],
                            [[k, performance["reference"][k], performance["current"][k]] for k in keys]
                            + [["prediction drift", "", performance["prediction_drift"]]]))
    parts.append("</body></html>")
    return "".join(parts)
