"""Time-to-threshold forecasts, and the lead time of the time-to-full alert."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.detect.forecast import ForecastError, time_to_threshold

HOUR = 3600.0


def test_filling_series_crossing_time_lies_in_its_band() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0, 12 * HOUR, 60.0)
    used = 40 + 2.0 * t / HOUR + rng.normal(0, 0.5, len(t))
    used[::97] += 15  # spikes must not tilt a robust trend
    crossing = time_to_threshold(t, used, 80.0)
    truth = (80 - (40 + 2.0 * t[-1] / HOUR)) / 2.0 * HOUR
    assert crossing.earliest <= truth <= crossing.latest
    assert crossing.eta == pytest.approx(truth, rel=0.05)
    assert crossing.within(truth + HOUR) and not crossing.within(crossing.earliest - HOUR)


def test_flat_or_receding_series_never_crosses() -> None:
    t = np.arange(0, 6 * HOUR, 60.0)
    for values in (np.full(len(t), 10.0), 50 - t / HOUR):
        crossing = time_to_threshold(t, values, 100.0)
        assert crossing.eta is None and not crossing.within(1e9)


def test_too_little_history_is_a_clear_error() -> None:
    with pytest.raises(ForecastError, match="at least 5 finite samples"):
        time_to_threshold(np.arange(3.0), np.array([1.0, np.nan, 2.0]), 10.0)


def test_filling_disk_alert_leads_the_real_crossing() -> None:
    printed = CliRunner().invoke(app, ["bench", "predictive", "--horizon", "24h", "--format", "json"])
    assert printed.exit_code == 0, printed.output
    result = json.loads(printed.output)
    assert result["first_alert_at_seconds"] < result["crossing_at_seconds"]
    assert 20 * HOUR <= result["lead_seconds"] <= 30 * HOUR

