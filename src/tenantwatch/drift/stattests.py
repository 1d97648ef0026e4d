"""The drift tests, each as Evidently computes it (same binning, same norming, same
thresholds), and Evidently's default choice of test per column.

Each test returns (statistic, p-value or None); its Method says how the threshold applies:
p-value tests drift below it, distances at or above it. Statistics are scipy's (KS D,
chi-squared, Jensen-Shannon distance with natural log); the Wasserstein distance is computed
on sorted arrays (scipy's result, several times faster on a million rows) and divided by the
reference's standard deviation as Evidently norms it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats
from scipy.spatial import distance

from tenantwatch.drift.columns import Sample
from tenantwatch.registry import registrar

SMALL_SAMPLE = 1000  # reference rows up to which Evidently uses p-value tests
FEW_VALUES = 5  # distinct values up to which a numeric column is tested like a categorical one
BINNED_ABOVE = 20  # reference distinct values above which a numeric column is binned (Sturges)

TestResult = tuple[float, float | None]


@dataclass(frozen=True)
class Method:
    name: str
    kinds: tuple[str, ...]
    threshold: float
    uses_p_value: bool
    inclusive: bool  # drift also when the score equals the threshold
    run: Callable[[Sample, Sample, str], TestResult]

    def drifted(self, statistic: float, p_value: float | None, threshold: float) -> bool:
        if self.uses_p_value:
            assert p_value is not None
            return bool(p_value <= threshold if self.inclusive else p_value < threshold)
        return bool(statistic >= threshold)


METHODS: dict[str, Method] = {}
_named = registrar(METHODS, "drift method")


def method(name: str, kinds: tuple[str, ...], threshold: float, uses_p_value: bool, inclusive: bool = False):
    def add(run: Callable[[Sample, Sample, str], TestResult]) -> Callable[[Sample, Sample, str], TestResult]:
        _named(name)(Method(name, kinds, threshold, uses_p_value, inclusive, run))
        return run

    return add


def aligned_counts(reference: Sample, current: Sample) -> tuple[np.ndarray, np.ndarray]:
    """Counts of every value seen in either sample, in one order."""
    keys = list(dict.fromkeys([*reference.keys, *current.keys]))
    index = {key: i for i, key in enumerate(keys)}
    ref = np.zeros(len(keys))
    cur = np.zeros(len(keys))
    ref[[index[k] for k in reference.keys]] = reference.counts
    cur[[index[k] for k in current.keys]] = current.counts
    return ref, cur


def distinct_values(reference: Sample, current: Sample) -> int:
    """Distinct values of both samples together; past FEW_VALUES in either, only a lower bound
    (all the default choice needs, and a million-value union is not cheap)."""
    most = max(len(reference.keys), len(current.keys))
    return most if most > FEW_VALUES else len(set(reference.keys) | set(current.keys))


def binned_shares(reference: Sample, current: Sample, kind: str, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Shares per bin: Sturges bins over both samples for a numeric column with more than 20
    distinct reference values, else per distinct value. Empty bins get a small share when
    `fill_zeroes` (PSI's logarithm needs it), as Evidently fills them."""
    if kind == "numeric" and len(reference.keys) > BINNED_ABOVE:
        edges = sturges_edges(min(reference.values[0], current.values[0]), max(reference.values[-1], current.values[-1]),
                              reference.n + current.n)
        ref = reference.histogram(edges) / reference.n
        cur = current.histogram(edges) / current.n
    else:
        ref_counts, cur_counts = aligned_counts(reference, current)
        ref, cur = ref_counts / reference.n, cur_counts / current.n
    if fill_zeroes:
        ref, cur = _fill_zeroes(ref), _fill_zeroes(cur)
    return ref, cur


def sturges_edges(low: float, high: float, size: int) -> np.ndarray:
    """np.histogram_bin_edges(both samples, bins="sturges") from their range and size alone,
    without concatenating two million values to find them."""
    width = (high - low) / (np.log2(size) + 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    bins = int(np.ceil((high - low) / width)) if width else 1
    return np.linspace(low, high, bins + 1, endpoint=True)


def _fill_zeroes(shares: np.ndarray) -> np.ndarray:
    smallest = shares[shares != 0].min()
    return np.where(shares == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001, shares)


def wasserstein_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """scipy.stats.wasserstein_distance of two sorted samples: the area between their CDFs,
    with one stable merge of the two sorted runs instead of scipy's three sorts and two searches."""
    merged = np.concatenate([u, v])
    order = np.argsort(merged, kind="stable")
    points = merged[order]
    from_u = order < u.size
    u_cdf = np.cumsum(from_u)[:-1] / u.size
    v_cdf = np.cumsum(~from_u)[:-1] / v.size
    return float(np.sum(np.abs(u_cdf - v_cdf) * np.diff(points)))


@method("ks", ("numeric",), 0.05, uses_p_value=True, inclusive=True)
def ks(reference: Sample, current: Sample, kind: str) -> TestResult:
    result = stats.ks_2samp(reference.values, current.values)
    return float(result.statistic), float(result.pvalue)


@method("wasserstein", ("numeric",), 0.1, uses_p_value=False)
def wasserstein(reference: Sample, current: Sample, kind: str) -> TestResult:
    norm = max(float(np.std(reference.values)), 0.001)
    return wasserstein_sorted(reference.values, current.values) / norm, None


@method("chisquare", ("categorical", "numeric"), 0.05, uses_p_value=True)
def chisquare(reference: Sample, current: Sample, kind: str) -> TestResult:
    ref, cur = aligned_counts(reference, current)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.chisquare(cur, ref * (current.n / reference.n))
    return float(result.statistic), float(result.pvalue)


@method("z", ("categorical", "numeric"), 0.05, uses_p_value=True)
def z(reference: Sample, current: Sample, kind: str) -> TestResult:
    """Two-proportion Z-test on the share of the values other than the first (binary columns)."""
    if len(reference.keys) == 1 and list(current.keys) == list(reference.keys):
        return 0.0, 1.0
    first = sorted(set(reference.keys) | set(current.keys))[0]
    ref_first = dict(zip(reference.keys, reference.counts)).get(first, 0)
    cur_first = dict(zip(current.keys, current.counts)).get(first, 0)
    p1, p2 = 1 - ref_first / reference.n, 1 - cur_first / current.n
    pooled = (p1 * reference.n + p2 * current.n) / (reference.n + current.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / reference.n + 1 / current.n))
    return float(statistic), float(2 * (1 - stats.norm.cdf(abs(statistic))))


@method("jensenshannon", ("categorical", "numeric"), 0.1, uses_p_value=False)
def jensenshannon(reference: Sample, current: Sample, kind: str) -> TestResult:
    ref, cur = binned_shares(reference, current, kind, fill_zeroes=False)
    return float(distance.jensenshannon(ref, cur)), None


@method("psi", ("categorical", "numeric"), 0.1, uses_p_value=False)
def psi(reference: Sample, current: Sample, kind: str) -> TestResult:
    ref, cur = binned_shares(reference, current, kind, fill_zeroes=True)
    return float(np.sum((ref - cur) * np.log(ref / cur))), None


def default_method(kind: str, reference: Sample, current: Sample) -> str:
    """Evidently's default: p-value tests for up to 1000 reference values, distances above;
    numeric columns with at most 5 distinct values (both samples together) are tested like
    categorical ones, and two-valued columns get the Z-test in small samples."""
    values = distinct_values(reference, current)
    many = kind == "numeric" and values > FEW_VALUES
    if reference.n <= SMALL_SAMPLE:
        if many:
            return "ks"
        return "chisquare" if values > 2 else "z"
    return "wasserstein" if many else "jensenshannon"
