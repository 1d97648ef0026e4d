"""Probes whose series change over time: histograms, trends, step changes, vanishing series."""

from __future__ import annotations

from dataclasses import dataclass

from tenantwatch.render.prometheus.probes import Labels, Series, Timeline, around, counter, gauge, same, selector, LabelMap
from tenantwatch.render.prometheus.promql import number

QUANTILE = 0.95


@dataclass(frozen=True)
class Histogram:
    """All requests fall in one bucket, so p95 is that bucket's interpolated 95% point.

    `pick` only offers values whose whole bucket lies inside (lo, hi], which keeps both
    the p95 comparison and the latency-SLO "slower than the objective" count exact.
    """

    metric: str
    buckets: tuple[float, ...]
    relabel: LabelMap = same
    rate: float = 10.0
    with_count: bool = False

    def _bucket_of(self, value: float) -> int:
        return next(i for i, upper in enumerate(self.buckets) if value <= upper)

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        base = self.relabel(labels)
        hit = self._bucket_of(value)
        out = []
        for i, upper in enumerate(self.buckets):
            rate = self.rate if i >= hit else 0.0
            out.append((selector(f"{self.metric}_bucket", {**base, "le": number(upper)}), counter([(t.steps, rate)], t.interval)))
        out.append((selector(f"{self.metric}_bucket", {**base, "le": "+Inf"}), counter([(t.steps, self.rate)], t.interval)))
        if self.with_count:
            out.append((selector(f"{self.metric}_count", base), counter([(t.steps, self.rate)], t.interval)))
        return out

    def pick(self, lo: float, hi: float) -> float | None:
        lowers = (0.0, *self.buckets[:-1])
        for lower, upper in zip(lowers, self.buckets):
            if lower >= lo and upper <= hi and upper > lower:
                return lower + (upper - lower) * QUANTILE
        return None


@dataclass(frozen=True)
class Shift:
    """A counter steady at `before` (x `per`) that moves at the change.

    The new level is the value itself, or with `drop` the value is the fraction lost
    (throughput and conversion collapse). `complement` adds a second series of the same
    metric carrying the rest of `per` (5xx vs other codes); `steady` adds counters that
    keep their rate (sessions while conversions fall, `_count` under a latency `_sum`).
    """

    metric: str
    before: float
    extra: Labels | None = None
    relabel: LabelMap = same
    per: float = 1.0
    drop: bool = False
    complement: Labels | None = None
    steady: tuple[tuple[str, Labels, float], ...] = ()

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        base = self.relabel(labels)
        after = self.before * (1 - value) if self.drop else value
        phases = [(t.change, self.before * self.per), (t.steps - t.change, after * self.per)]
        out = [(selector(self.metric, {**base, **(self.extra or {})}), counter(phases, t.interval))]
        if self.complement is not None:
            rest = [(n, self.per - r) for n, r in phases]
            out.append((selector(self.metric, {**base, **self.complement}), counter(rest, t.interval)))
        for metric, extra, rate in self.steady:
            out.append((selector(metric, {**base, **extra}), counter([(t.steps, rate)], t.interval)))
        return out

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, min(hi, 1.0) if self.drop else hi)


@dataclass(frozen=True)
class GaugeStep:
    """A gauge at `before` that falls by the value at the change (brokers lost)."""

    metric: str
    before: float
    extra: Labels | None = None

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        phases = [(t.change, self.before), (t.steps - t.change, self.before - value)]
        return [(selector(self.metric, {**labels, **(self.extra or {})}), gauge(phases))]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, min(hi, self.before))


@dataclass(frozen=True)
class Recorded:
    """The signal is already a recorded series (one per window name): a value held in each."""

    metrics: tuple[str, ...]

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        return [(selector(metric, labels), gauge([(t.steps, value)])) for metric in self.metrics]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, min(hi, 1.0))


@dataclass(frozen=True)
class Trend:
    """Usage climbing 1 unit/s towards a fixed limit; the value is the seconds left."""

    usage: str
    limit: str
    extra: Labels | None = None
    limit_extra: Labels | None = None
    relabel: LabelMap = same
    falling_free: bool = False

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        base = {**self.relabel(labels), **(self.extra or {})}
        end = (t.steps - 1) * t.interval
        limit = 2 * (value + end)
        if self.falling_free:
            usage = f"{number(value + end)}-{number(t.interval)}x{t.steps - 1}"
        else:
            usage = f"{number(limit - value - end)}+{number(t.interval)}x{t.steps - 1}"
        return [
            (selector(self.usage, base), usage),
            (selector(self.limit, {**base, **(self.limit_extra or {})}), gauge([(t.steps, limit)])),
        ]

    def pick(self, lo: float, hi: float) -> float | None:
        value = around(lo, hi)
        return None if value is None else float(int(value)) + 0.5


@dataclass(frozen=True)
class Presence:
    """`up` that stays (value 0) or disappears at the change (value 1)."""

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        if value:
            values = f"{gauge([(t.change, 1)])} stale"
        else:
            values = gauge([(t.steps, 1)])
        return [(selector("up", {**labels, "job": labels.get("service", "x")}), values)]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, hi)


@dataclass(frozen=True)
class Heartbeat:
    """A timestamp gauge that keeps up with time, or froze `value` seconds before the end."""

    metric: str

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        end = (t.steps - 1) * t.interval
        if value <= 0:
            return [(selector(self.metric, labels), f"0+{number(t.interval)}x{t.steps - 1}")]
        return [(selector(self.metric, labels), gauge([(t.steps, end - value)]))]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, hi)


@dataclass(frozen=True)
class Silent:
    """No input at all (the Watchdog fires on nothing)."""

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        return []

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, hi)
