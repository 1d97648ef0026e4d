"""Probes: turn "the signal is V for this tenant" into promtool input series.

Each probe knows the metric shape behind one signal (a gauge, a counter rate, a ratio of
two counters, a histogram bucket, a trend, a step change) and which values it can realise
exactly, so a generated test can predict the alert's value and its annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from tenantwatch.render.prometheus.promql import number

Labels = dict[str, str]
Series = tuple[str, str]


@dataclass(frozen=True)
class Timeline:
    """`steps` samples `interval` seconds apart; shaped probes change at step `change`."""

    interval: float
    steps: int
    change: int = 0


def selector(metric: str, labels: Labels) -> str:
    """A series as promtool input; keys starting with `__` are the test writer's notes, not labels."""
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if not k.startswith("__"))
    return f"{metric}{{{inner}}}"


def gauge(phases: list[tuple[int, float]]) -> str:
    """Values of a gauge holding each (steps, value) phase in turn."""
    return " ".join(f"{number(v)}x{n - 1}" if n > 1 else number(v) for n, v in phases if n > 0)


def counter(phases: list[tuple[int, float]], interval: float) -> str:
    """Values of a counter growing at each (steps, rate per second) phase in turn."""
    parts, start, first = [], 0.0, True
    for n, rate in phases:
        if n <= 0:
            continue
        step = rate * interval
        begin = start if first else start + step
        count = n - 1
        parts.append(f"{number(begin)}+{number(step)}x{count}" if count else number(begin))
        start = begin + step * count
        first = False
    return " ".join(parts)


def around(lo: float, hi: float) -> float | None:
    """A value strictly between lo and hi (hi may be inf)."""
    if hi == float("inf"):
        return lo * 2 if lo > 0 else 1.0
    return (lo + hi) / 2 if hi > lo else None


class Probe(Protocol):
    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]: ...

    def pick(self, lo: float, hi: float) -> float | None: ...


LabelMap = Callable[[Labels], Labels]


def same(labels: Labels) -> Labels:
    return labels


@dataclass(frozen=True)
class Level:
    """The signal is one series: a gauge, or with `counting` a counter's per-second rate,
    times `per` (60 for "per minute"); with `complement` the series carries 1 - value
    (idle CPU behind a busy signal)."""

    metric: str
    extra: Labels | None = None
    relabel: LabelMap = same
    per: float = 1.0
    counting: bool = False
    complement: bool = False

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        level = ((1 - value) if self.complement else value) / self.per
        values = counter([(t.steps, level)], t.interval) if self.counting else gauge([(t.steps, level)])
        return [(selector(self.metric, {**self.relabel(labels), **(self.extra or {})}), values)]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, hi)


@dataclass(frozen=True)
class Share:
    """The signal is part / (part + rest) of two counters (5xx ratio, failed jobs)."""

    metric: str
    part: Labels
    rest: Labels
    relabel: LabelMap = same
    total_rate: float = 10.0

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        base = self.relabel(labels)
        return [
            (selector(self.metric, {**base, **self.part}), counter([(t.steps, self.total_rate * value)], t.interval)),
            (selector(self.metric, {**base, **self.rest}), counter([(t.steps, self.total_rate * (1 - value))], t.interval)),
        ]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, min(hi, 1.0))


@dataclass(frozen=True)
class Usage:
    """The signal is usage / limit of a gauge (or a counter's rate) and a limit gauge."""

    usage: str
    limit: str
    usage_extra: Labels | None = None
    limit_extra: Labels | None = None
    relabel: LabelMap = same
    capacity: float = 1000.0
    usage_is_counter: bool = False
    free_instead: bool = False

    def series(self, labels: Labels, value: float, t: Timeline) -> list[Series]:
        base = self.relabel(labels)
        used = self.capacity * (1 - value if self.free_instead else value)
        values = counter([(t.steps, used)], t.interval) if self.usage_is_counter else gauge([(t.steps, used)])
        return [
            (selector(self.usage, {**base, **(self.usage_extra or {})}), values),
            (selector(self.limit, {**base, **(self.limit_extra or {})}), gauge([(t.steps, self.capacity)])),
        ]

    def pick(self, lo: float, hi: float) -> float | None:
        return around(lo, min(hi, 1.0))
