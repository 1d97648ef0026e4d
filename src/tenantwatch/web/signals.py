"""The allowlist of chartable signals and the tenant-enforced PromQL built for them.

The browser never sends PromQL: it names a signal from SIGNALS, and the server fills the
tenant matcher (`$sel`) in itself (as prom-label-proxy does). The tenant id is checked
against the DNS-1123 rule of the spec before it is quoted, so no parameter can widen a
selector. Where the rendered rules record a signal (names from conventions, so the charts
show what the alerts judge, e.g. the anomaly z-scores), that series is asked for first; the
fallback reads the input metrics of docs/input-metrics.md, which exist whatever rules are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from tenantwatch import conventions
from tenantwatch.spec.units import MAX_ID_LENGTH, label_problem, parse_duration

MIN_RANGE = 60.0
MAX_RANGE = 7 * 86400.0
POINTS_PER_CHART = 240
DEFAULT_PREFIX = "tenant_"  # the spec's tenant_isolation.metrics_prefix when there is no spec


@dataclass(frozen=True)
class Signal:
    """One chart: PromQL templates whose `$sel` is replaced by the enforced tenant matcher.

    `recorded` selects the recording rule (`$prefix` = the spec's metrics_prefix), tried
    before `template`.
    """

    title: str
    unit: str
    template: str
    recorded: str | None = None


def _rule(suffix: str) -> str:
    return f"{{__name__=~\"${{prefix}}{suffix}\",$sel}}"


def _ratio(numerator: str, denominator: str) -> str:
    return f"({numerator}) / ({denominator})"


def _zscore(expr: str) -> str:
    """How many standard deviations the last value is from the last hour's mean."""
    window = "[1h:1m]"
    return (f"(({expr}) - avg_over_time(({expr}){window})) / "
            f"(stddev_over_time(({expr}){window}) > 0)")


_TRAFFIC = "sum by (tenant, service) (rate(http_requests_total{$sel}[5m]))"
_ERRORS = 'sum by (tenant, service) (rate(http_requests_total{$sel,code=~"5.."}[5m]))'
_LATENCY = ("histogram_quantile(0.95, sum by (tenant, service, le) "
            "(rate(http_request_duration_seconds_bucket{$sel}[5m])))")


def _limit_ratio(usage: str, resource: str) -> str:
    limits = f'kube_pod_container_resource_limits{{$sel,resource="{resource}"}}'
    return _ratio(f"sum by (tenant) ({usage})", f"sum by (tenant) ({limits})")


_LATENCY_MEAN = _ratio(
    "sum by (tenant, service) (rate(http_request_duration_seconds_sum{$sel}[5m]))",
    "sum by (tenant, service) (rate(http_request_duration_seconds_count{$sel}[5m]))")
# the error-ratio rule's window depends on the render profile (5m standard, shorter fast)
_ERROR_RATIO_ZSCORE = conventions.zscore(conventions.http_error_ratio("[^:]+"))

SIGNALS: dict[str, Signal] = {
    "latency_p95": Signal("Latency p95", "s", _LATENCY, _rule(conventions.HTTP_LATENCY_P95)),
    "error_ratio": Signal("Error ratio (5xx)", "ratio", _ratio(_ERRORS, _TRAFFIC)),
    "traffic": Signal("Traffic", "req/s", _TRAFFIC, _rule(conventions.HTTP_REQUEST_RATE)),
    "cpu_saturation": Signal("CPU used / limit", "ratio", _limit_ratio(
        "rate(container_cpu_usage_seconds_total{$sel}[5m])", "cpu")),
    "memory_saturation": Signal("Memory used / limit", "ratio", _limit_ratio(
        "container_memory_working_set_bytes{$sel}", "memory")),
    "traffic_anomaly": Signal("Traffic anomaly (z-score)", "z", _zscore(_TRAFFIC),
                              _rule(conventions.zscore(conventions.HTTP_REQUEST_RATE))),
    "latency_anomaly": Signal("Mean-latency anomaly (z-score)", "z", _zscore(_LATENCY_MEAN),
                              _rule(conventions.zscore(conventions.HTTP_LATENCY_MEAN))),
    "error_anomaly": Signal("Error-ratio anomaly (z-score)", "z", _zscore(_ratio(_ERRORS, _TRAFFIC)),
                            _rule(_ERROR_RATIO_ZSCORE)),
}


class SignalError(ValueError):
    """A request for a series that is not allowed; the message names the parameter."""


def check_tenant_id(tenant: str) -> str:
    """The tenant id, if it is a DNS-1123 label; anything else could escape the quotes."""
    if label_problem(tenant, MAX_ID_LENGTH) is not None:
        raise SignalError("tenant: expected a tenant id (lowercase letters, digits and '-')")
    return tenant


def tenant_matcher(tenant: str) -> str:
    return f'{conventions.TENANT}="{check_tenant_id(tenant)}"'


def build_queries(signal: str, tenant: str, prefix: str = DEFAULT_PREFIX) -> list[str]:
    """The PromQL of an allowlisted signal, restricted to one tenant: the recording rule's
    query first (when the signal has one), then the one over input metrics."""
    if signal not in SIGNALS:
        raise SignalError(f"signal: unknown signal; expected one of {', '.join(SIGNALS)}")
    chart, sel = SIGNALS[signal], tenant_matcher(tenant)
    templates = [chart.recorded, chart.template] if chart.recorded else [chart.template]
    return [Template(t).substitute(sel=sel, prefix=prefix) for t in templates]


def parse_range(text: str) -> tuple[float, float]:
    """(range, step) in seconds from a duration such as 1h; bounded so a query stays cheap."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise SignalError(f"range: {exc}") from None
    if not MIN_RANGE <= seconds <= MAX_RANGE:
        raise SignalError("range: expected between 1m and 7d")
    return seconds, max(1.0, round(seconds / POINTS_PER_CHART))
