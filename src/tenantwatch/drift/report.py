"""The analysis as the JSON document other tools read (the shape is a contract: see
docs/drift.md). Scores that are not finite numbers (a chi-squared statistic against a
category the reference never had is infinite) are written as null."""

from __future__ import annotations

import math

from tenantwatch.drift.analysis import Analysis


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _finite(values: dict) -> dict:
    return {key: _number(value) if isinstance(value, float) else value for key, value in values.items()}


def to_json(analysis: Analysis) -> dict:
    performance = analysis.performance
    if performance is not None:
        performance = {**performance, "reference": _finite(performance["reference"]), "current": _finite(performance["current"])}
    return {
        "dataset": {
            "drift": analysis.dataset.drift,
            "drifted_share": analysis.dataset.drifted_share,
            "rows": {"reference": analysis.reference_rows, "current": analysis.current_rows},
        },
        "features": [
            {"name": f.name, "kind": f.kind, "method": f.method, "statistic": _number(f.statistic),
             "p_value": _number(f.p_value), "threshold": f.threshold, "drift": f.drift, "psi": _number(f.psi)}
            for f in analysis.features
        ],
        "quality": [{"name": name, "problems": [p.to_json() for p in problems]} for name, problems in analysis.quality.items()],
        "performance": performance,
    }
