"""Following live series: score new samples, keep findings alive, predict crossings.

Why polling range queries: the first query fetches `warmup` seconds of history so the
baselines are learnt before anything is judged; later polls ask only for the samples after
the last one seen. Each series keeps its own detector state, keyed by its label set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from tenantwatch import conventions
from tenantwatch.detect.alerts import Finding
from tenantwatch.detect.base import StreamingDetector, load_states, save_states
from tenantwatch.detect.forecast import Crossing, ForecastError, time_to_threshold
from tenantwatch.detect.registry import make_detector
from tenantwatch.detect.sources import Prometheus, RangeSeries
from tenantwatch.spec.units import format_duration


@dataclass(frozen=True)
class AlertStyle:
    """What every finding of one run carries besides the series' own labels."""

    severity: str = "warning"
    runbook_url: str = "https://github.com/tenantwatch/tenantwatch/blob/main/docs/detectors.md"
    default_tenant: str = conventions.PLATFORM_TENANT

    def finding(self, alertname: str, category: str, series_labels: dict[str, str],
                summary: str, description: str) -> Finding:
        """A finding labelled with the series' tenant and service (if any), severity, category
        and signal; `summary` may use {signal} and {where} (tenant=..., service=...)."""
        signal = signal_of(series_labels)
        labels = {
            conventions.TENANT: series_labels.get(conventions.TENANT, self.default_tenant),
            conventions.SEVERITY: self.severity,
            conventions.CATEGORY: category,
            conventions.DETECT_SIGNAL: signal,
        }
        if conventions.SERVICE in series_labels:
            labels[conventions.SERVICE] = series_labels[conventions.SERVICE]
        where = ", ".join(f"{k}={labels[k]}" for k in (conventions.TENANT, conventions.SERVICE) if k in labels)
        return Finding(alertname, labels, summary.replace("{signal}", signal).replace("{where}", where),
                       description, self.runbook_url, datetime.now(timezone.utc))


def signal_of(series_labels: dict[str, str]) -> str:
    return series_labels.get("__name__", "query")


@dataclass
class SeriesStatus:
    """A row of the live view."""

    key: str
    labels: dict[str, str]
    time: float
    value: float
    score: float
    anomalous_until: float = -np.inf
    peak: float = 0.0

    @property
    def anomalous(self) -> bool:
        return self.time <= self.anomalous_until


@dataclass
class AnomalyFollower:
    source: Prometheus
    query: str
    detector: str = "ensemble"
    step: float = 15.0
    warmup: float = 3600.0
    threshold: float = 0.5
    hold: float = 300.0  # a finding lasts this long after its last anomalous sample
    style: AlertStyle = field(default_factory=AlertStyle)
    state_path: Path | None = None
    detectors: dict[str, StreamingDetector] = field(default_factory=dict)
    status: dict[str, SeriesStatus] = field(default_factory=dict)
    cursor: float | None = None

    def __post_init__(self) -> None:
        if self.state_path is not None and self.state_path.exists():
            self.detectors = load_states(self.state_path)

    def poll(self, now: float) -> list[Finding]:
        """Fetch and score the samples since the last poll; return the current findings."""
        start = now - self.warmup if self.cursor is None else self.cursor + self.step
        if start <= now:
            for series in self.source.query_range(self.query, start, now, self.step):
                self._score(series)
            self.cursor = now
        if self.state_path is not None:
            save_states(self.state_path, self.detectors)
        return [self._finding(s) for s in self.status.values() if s.anomalous]

    def _score(self, series: RangeSeries) -> None:
        if not len(series.times):
            return
        detector = self.detectors.get(series.key)
        if detector is None:
            detector = self.detectors[series.key] = StreamingDetector(make_detector(self.detector, self.step))
        fresh = series.times > (detector.last_timestamp if detector.last_timestamp is not None else -np.inf)
        times, values = series.times[fresh], series.values[fresh]
        if not len(times):
            return
        scores = detector.extend(times, values)
        row = self.status.get(series.key) or SeriesStatus(series.key, series.labels, 0.0, 0.0, 0.0)
        row.time, row.value, row.score = float(times[-1]), float(values[-1]), float(scores[-1])
        hits = np.flatnonzero(scores >= self.threshold)
        if len(hits):
            row.anomalous_until = float(times[hits[-1]]) + self.hold
            row.peak = max(row.peak if row.anomalous else 0.0, float(scores[hits].max()))
        self.status[series.key] = row

    def _finding(self, row: SeriesStatus) -> Finding:
        return self.style.finding(
            conventions.DETECT_ANOMALY_ALERT, "anomaly", row.labels,
            summary="Anomaly in {signal} ({where})",
            description=(f"{signal_of(row.labels)} = {row.value:g} is anomalous (score {row.peak:.2f} >= {self.threshold:g}, "
                         f"detector {self.detector}) for {row.key}"),
        )


@dataclass
class CrossingPredictor:
    """Time-to-threshold findings: a series whose trend reaches `limit` within `horizon`."""

    source: Prometheus
    query: str
    limit: float
    horizon: float
    lookback: float = 6 * 3600.0
    step: float = 60.0
    style: AlertStyle = field(default_factory=AlertStyle)
    latest: dict[str, tuple[RangeSeries, Crossing | str]] = field(default_factory=dict)

    def poll(self, now: float) -> list[Finding]:
        findings = []
        self.latest = {}
        for series in self.source.query_range(self.query, now - self.lookback, now, self.step):
            try:
                crossing = time_to_threshold(series.times, series.values, self.limit)
            except ForecastError as exc:
                self.latest[series.key] = (series, str(exc))
                continue
            self.latest[series.key] = (series, crossing)
            if crossing.within(self.horizon):
                findings.append(self._finding(series, crossing))
        return findings

    def _finding(self, series: RangeSeries, crossing: Crossing) -> Finding:
        eta = "now" if not crossing.eta or crossing.eta < 1 else "in " + _when(crossing.eta)
        band = f"between {_when(crossing.earliest)} and {_when(crossing.latest)}"
        return self.style.finding(
            conventions.DETECT_PREDICTIVE_ALERT, "predictive", series.labels,
            summary=f"{{signal}} predicted to reach {self.limit:g} {eta} ({{where}})",
            description=(f"At its current trend ({crossing.slope_per_second * 3600:+.4g}/h from {crossing.current:g}) "
                         f"{series.key} reaches {self.limit:g} {eta}, {band}; horizon {format_duration(self.horizon)}."),
        )


def _when(seconds: float | None) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "never"
    return "now" if seconds < 1 else format_duration(round(seconds))
