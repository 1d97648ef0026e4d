"""Detectors by name, built for a series' sampling step (which fixes the daily period)."""

from __future__ import annotations

from typing import Any

from tenantwatch.detect.base import BatchDetector, config_fields, samples_per_day
from tenantwatch.detect.baselines import GaussianDetector, RandomDetector
from tenantwatch.detect.ensemble import EnsembleDetector
from tenantwatch.detect.names import DEFAULT  # noqa: F401  (re-exported: the default detector)
from tenantwatch.detect.robust import RobustDetector, SeasonalDetector

DETECTORS: dict[str, type[BatchDetector]] = {
    cls.name: cls for cls in (EnsembleDetector, RobustDetector, SeasonalDetector, GaussianDetector, RandomDetector)
}


def make_detector(name: str, step_seconds: float) -> BatchDetector:
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; choose one of {', '.join(DETECTORS)}")
    return DETECTORS[name](period=samples_per_day(step_seconds))


def detector_from_config(config: dict[str, Any]) -> BatchDetector:
    """Rebuild a detector from `BatchDetector.config()` (saved state), refusing unknown keys."""
    settings = dict(config)
    name = settings.pop("detector", None)
    if name not in DETECTORS:
        raise ValueError(f"saved state names unknown detector {name!r}")
    cls = DETECTORS[name]
    unknown = set(settings) - config_fields(cls)
    if unknown:
        raise ValueError(f"saved state for {name}: unknown setting(s) {', '.join(sorted(unknown))}")
    return cls(**settings)
