"""Time scales of the rendered rules: one place decides windows, `for:` and intervals.

The `fast` profile divides every window and `for:` by FAST_FACTOR so a real Prometheus
fires within a minute or two, but a rate window never gets shorter than
MIN_WINDOW_SCRAPES scrape intervals (fewer samples make rate() noisy or empty).
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantwatch.render import RenderOptions
from tenantwatch.spec import Spec
from tenantwatch.spec.units import format_duration

FAST_FACTOR = 60
FAST_INTERVAL = 5.0
MIN_WINDOW_SCRAPES = 4
STANDARD_TEST_INTERVAL = 60.0


def intervals(spec: Spec, options: RenderOptions) -> tuple[float, float]:
    """(scrape_interval, evaluation_interval) in seconds; the scrape config must use these."""
    if options.profile == "fast":
        return FAST_INTERVAL, FAST_INTERVAL
    return spec.prometheus.scrape_interval, spec.prometheus.evaluation_interval


@dataclass(frozen=True)
class Window:
    """A range window: `name` is its nominal duration (what recording rules are named after,
    the same in every profile), `expr` the duration the profile really uses."""

    name: str
    expr: str


@dataclass(frozen=True)
class Timing:
    """Scales durations for one profile; `test_interval` is the promtool step."""

    factor: float
    scrape_interval: float
    test_interval: float

    @classmethod
    def of(cls, spec: Spec, options: RenderOptions) -> "Timing":
        scrape, _ = intervals(spec, options)
        if options.profile == "fast":
            return cls(FAST_FACTOR, scrape, FAST_INTERVAL)
        return cls(1.0, scrape, max(STANDARD_TEST_INTERVAL, scrape))

    def hold(self, seconds: float) -> float:
        """A `for:` duration or an age threshold, scaled."""
        return seconds / self.factor

    def window(self, seconds: float) -> float:
        """A range-vector window or offset, scaled but never below a few scrapes or test steps."""
        floor = MIN_WINDOW_SCRAPES * max(self.scrape_interval, self.test_interval)
        return max(seconds / self.factor, floor)

    def w(self, seconds: float) -> str:
        """`window` as a PromQL duration literal."""
        return format_duration(self.window(seconds))

    def span(self, seconds: float) -> Window:
        """A window named by its nominal duration, sized for this profile."""
        return Window(format_duration(seconds), self.w(seconds))

    def f(self, seconds: float) -> str:
        """`hold` as a PromQL duration literal."""
        return format_duration(self.hold(seconds))
