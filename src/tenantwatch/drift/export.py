"""The analysis as Prometheus metrics, for the rendered ML rules and dashboard:
`model_drift_score{model, feature}` (the population stability index of each feature, whatever
test decided its verdict) and `model_accuracy{model}` (the current accuracy, for
classification), plus `tenant`/`service` labels when given so that the tenant's rules select
them. Written as a textfile for node-exporter's textfile collector, or pushed to a Pushgateway."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile

from tenantwatch.drift.analysis import Analysis

PUSH_JOB = "tenantwatch_drift"


def registry(analysis: Analysis, model: str, extra: dict[str, str]) -> CollectorRegistry:
    metrics = CollectorRegistry()
    names = sorted(extra)
    drift = Gauge("model_drift_score", "Population stability index of a feature against the reference data.",
                  [*names, "model", "feature"], registry=metrics)
    for feature in analysis.features:
        drift.labels(*(extra[n] for n in names), model, feature.name).set(feature.psi)
    performance = analysis.performance
    if performance is not None and performance["task"] == "classification" and performance["current"]["accuracy"] is not None:
        accuracy = Gauge("model_accuracy", "Accuracy of the model on the current labelled data (0..1).",
                         [*names, "model"], registry=metrics)
        accuracy.labels(*(extra[n] for n in names), model).set(performance["current"]["accuracy"])
    return metrics


def write_textfile(metrics: CollectorRegistry, path: Path) -> None:
    """Written beside the target and renamed over it, so the collector never reads half a file."""
    write_to_textfile(str(path), metrics)


def push(metrics: CollectorRegistry, url: str, model: str) -> None:
    """Replaces this model's group on the Pushgateway (a feature gone from the data disappears)."""
    push_to_gateway(url, job=PUSH_JOB, registry=metrics, grouping_key={"model": model}, timeout=10)
