"""Each test's statistic equals scipy's (to 1e-6) on the samples Evidently would give it, and
the default test per column is Evidently's."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats
from scipy.spatial import distance

from tenantwatch.drift.columns import categorical_sample, numeric_sample
from tenantwatch.drift.stattests import METHODS, default_method, sturges_edges, wasserstein_sorted

rng = np.random.default_rng(7)


def numeric(values: np.ndarray):
    return numeric_sample(pa.chunked_array([values]))


def categorical(values: np.ndarray):
    return categorical_sample(pa.chunked_array([values]))


@pytest.mark.parametrize("n, m", [(300, 500), (20_000, 15_000)])
def test_ks_is_scipys(n, m):
    ref, cur = rng.normal(0, 1, n), rng.normal(0.1, 1.2, m)
    statistic, p_value = METHODS["ks"].run(numeric(ref), numeric(cur), "numeric")
    expected = stats.ks_2samp(ref, cur)
    assert statistic == pytest.approx(expected.statistic, abs=1e-6)
    assert p_value == pytest.approx(expected.pvalue, abs=1e-6)


@pytest.mark.parametrize("ref, cur", [
    (rng.normal(0, 2, 5000), rng.normal(0.5, 2, 7000)),
    (rng.integers(0, 50, 4000).astype(float), rng.integers(5, 60, 3000).astype(float)),  # many ties
])
def test_wasserstein_is_scipys_normed_by_the_reference_std(ref, cur):
    statistic, p_value = METHODS["wasserstein"].run(numeric(ref), numeric(cur), "numeric")
    assert p_value is None
    assert statistic == pytest.approx(stats.wasserstein_distance(ref, cur) / np.std(ref), rel=1e-9, abs=1e-6)
    assert wasserstein_sorted(np.sort(ref), np.sort(cur)) == pytest.approx(stats.wasserstein_distance(ref, cur), rel=1e-9)


def test_chisquare_is_scipys_with_expected_counts_scaled_from_the_reference():
    ref = rng.choice(["a", "b", "c", "d"], 800, p=[0.4, 0.3, 0.2, 0.1])
    cur = rng.choice(["a", "b", "c", "d"], 600, p=[0.3, 0.3, 0.2, 0.2])
    statistic, p_value = METHODS["chisquare"].run(categorical(ref), categorical(cur), "categorical")
    keys = ["a", "b", "c", "d"]
    observed = [np.sum(cur == k) for k in keys]
    expected = [np.sum(ref == k) * len(cur) / len(ref) for k in keys]
    result = stats.chisquare(observed, expected)
    assert statistic == pytest.approx(result.statistic, abs=1e-6)
    assert p_value == pytest.approx(result.pvalue, abs=1e-6)


def test_jensenshannon_of_categories_is_scipys_on_shares():
    ref = rng.choice(["x", "y", "z"], 5000, p=[0.6, 0.3, 0.1])
    cur = rng.choice(["x", "y", "w"], 4000, p=[0.3, 0.3, 0.4])
    statistic, _ = METHODS["jensenshannon"].run(categorical(ref), categorical(cur), "categorical")
    keys = ["x", "y", "z", "w"]
    expected = distance.jensenshannon([np.mean(ref == k) for k in keys], [np.mean(cur == k) for k in keys])
    assert statistic == pytest.approx(expected, abs=1e-6)


def test_jensenshannon_of_a_numeric_column_uses_sturges_bins_over_both_samples():
    ref, cur = rng.normal(0, 1, 3000), rng.normal(0.3, 1, 2000)
    statistic, _ = METHODS["jensenshannon"].run(numeric(ref), numeric(cur), "numeric")
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    expected = distance.jensenshannon(np.histogram(ref, edges)[0] / ref.size, np.histogram(cur, edges)[0] / cur.size)
    assert statistic == pytest.approx(expected, abs=1e-6)


def test_psi_fills_empty_bins_as_evidently_does():
    ref = rng.choice(["a", "b"], 2000, p=[0.7, 0.3])
    cur = rng.choice(["a", "b", "c"], 2000, p=[0.5, 0.3, 0.2])
    statistic, _ = METHODS["psi"].run(categorical(ref), categorical(cur), "categorical")
    r = np.array([np.mean(ref == k) for k in "abc"])
    c = np.array([np.mean(cur == k) for k in "abc"])
    r[r == 0] = 0.0001
    assert statistic == pytest.approx(np.sum((r - c) * np.log(r / c)), abs=1e-6)


def test_z_test_compares_the_two_proportions():
    ref = rng.choice(["no", "yes"], 700, p=[0.8, 0.2])
    cur = rng.choice(["no", "yes"], 500, p=[0.7, 0.3])
    statistic, p_value = METHODS["z"].run(categorical(ref), categorical(cur), "categorical")
    p1, p2 = np.mean(ref == "yes"), np.mean(cur == "yes")
    pooled = (p1 * ref.size + p2 * cur.size) / (ref.size + cur.size)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / ref.size + 1 / cur.size))
    assert statistic == pytest.approx(z, abs=1e-6)
    assert p_value == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-6)


@pytest.mark.parametrize("kind, rows, distinct, expected", [
    ("numeric", 1000, 6, "ks"),
    ("numeric", 1000, 5, "chisquare"),
    ("numeric", 1000, 2, "z"),
    ("categorical", 1000, 3, "chisquare"),
    ("categorical", 1000, 2, "z"),
    ("numeric", 1001, 6, "wasserstein"),
    ("numeric", 1001, 5, "jensenshannon"),
    ("categorical", 1001, 2, "jensenshannon"),
])
def test_the_default_test_is_evidentlys(kind, rows, distinct, expected):
    values = np.arange(rows) % distinct
    make = numeric if kind == "numeric" else categorical
    ref = make(values.astype(float) if kind == "numeric" else values.astype(str))
    assert default_method(kind, ref, ref) == expected


def test_distinct_values_are_counted_over_both_samples():
    """Three values in each file but six together: KS, not chi-squared (Evidently counts the union)."""
    ref, cur = numeric(np.tile([1.0, 2.0, 3.0], 100)), numeric(np.tile([4.0, 5.0, 6.0], 100))
    assert default_method("numeric", ref, cur) == "ks"


@pytest.mark.parametrize("ref, cur", [
    (rng.normal(0, 1, 3000), rng.normal(0.3, 1, 2000)),
    (rng.integers(0, 30, 5000).astype(float), rng.integers(10, 40, 100).astype(float)),
    (np.full(50, 2.0), np.full(30, 2.0)),
])
def test_bins_and_counts_are_numpys(ref, cur):
    both = np.concatenate([ref, cur])
    edges = sturges_edges(both.min(), both.max(), both.size)
    assert np.array_equal(edges, np.histogram_bin_edges(both, bins="sturges"))
    assert np.array_equal(numeric(ref).histogram(edges), np.histogram(ref, edges)[0])
