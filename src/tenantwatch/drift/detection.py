"""Drift per feature (the chosen test, its score and verdict) and the dataset verdict: drift
when the share of drifted features reaches `drift_share` (0.5 by default, as Evidently)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tenantwatch.drift.columns import Sample
from tenantwatch.drift.stattests import METHODS, default_method

DEFAULT_DRIFT_SHARE = 0.5
ALL = "*"  # the key of a setting that applies to every column
PLOT_BINS = 30
PLOT_CATEGORIES = 20


class SettingsError(ValueError):
    """A --method or --threshold that cannot apply; the message is meant for the user."""


@dataclass(frozen=True)
class Settings:
    methods: dict[str, str] = field(default_factory=dict)  # column (or ALL) -> method name
    thresholds: dict[str, float] = field(default_factory=dict)  # column (or ALL) -> threshold
    drift_share: float = DEFAULT_DRIFT_SHARE

    def check(self, columns: set[str]) -> None:
        for name, chosen in self.methods.items():
            if chosen not in METHODS:
                raise SettingsError(f"--method {name}={chosen}: unknown method; choose one of {', '.join(METHODS)}")
        unknown = sorted((set(self.methods) | set(self.thresholds)) - columns - {ALL})
        if unknown:
            raise SettingsError(f"--method/--threshold: no column named {', '.join(unknown)} in both files")
        if not 0 < self.drift_share <= 1:
            raise SettingsError(f"--drift-share {self.drift_share}: must be in (0, 1]")


@dataclass(frozen=True)
class Distribution:
    """What the HTML report plots: shares per bin (numeric) or per value (categorical)."""

    labels: list[str]
    reference: list[float]
    current: list[float]


@dataclass(frozen=True)
class FeatureDrift:
    name: str
    kind: str
    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drift: bool
    psi: float  # the population stability index, exported as model_drift_score whatever the method
    distribution: Distribution


@dataclass(frozen=True)
class DatasetDrift:
    drift: bool
    drifted_share: float


def test_feature(name: str, kind: str, reference: Sample, current: Sample, settings: Settings) -> FeatureDrift:
    chosen = settings.methods.get(name) or settings.methods.get(ALL) or default_method(kind, reference, current)
    chosen_method = METHODS[chosen]
    if kind not in chosen_method.kinds:
        raise SettingsError(f"--method {name}={chosen}: {chosen} does not apply to the {kind} column {name!r}")
    threshold = settings.thresholds.get(name, settings.thresholds.get(ALL, chosen_method.threshold))
    statistic, p_value = chosen_method.run(reference, current, kind)
    psi = statistic if chosen == "psi" else METHODS["psi"].run(reference, current, kind)[0]
    return FeatureDrift(name, kind, chosen, statistic, p_value, threshold,
                        chosen_method.drifted(statistic, p_value, threshold), psi,
                        distribution(kind, reference, current))


def dataset_verdict(features: list[FeatureDrift], drift_share: float) -> DatasetDrift:
    share = sum(f.drift for f in features) / len(features) if features else 0.0
    return DatasetDrift(bool(features) and share >= drift_share, share)


def distribution(kind: str, reference: Sample, current: Sample) -> Distribution:
    if kind == "numeric":
        edges = np.linspace(min(reference.values[0], current.values[0]), max(reference.values[-1], current.values[-1]),
                            PLOT_BINS + 1)
        ref = reference.histogram(edges) / reference.n
        cur = current.histogram(edges) / current.n
        return Distribution([f"{edge:.4g}" for edge in edges[:-1]], ref.tolist(), cur.tolist())
    ref_share = {k: c / reference.n for k, c in zip(reference.keys, reference.counts)}
    cur_share = {k: c / current.n for k, c in zip(current.keys, current.counts)}
    top = sorted(set(ref_share) | set(cur_share), key=lambda k: -max(ref_share.get(k, 0), cur_share.get(k, 0)))
    top = top[:PLOT_CATEGORIES]
    return Distribution([str(k) for k in top], [ref_share.get(k, 0.0) for k in top], [cur_share.get(k, 0.0) for k in top])
