"""Time-to-threshold and load forecasts, and the lead time of the time-to-full alert."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.detect.forecast import ForecastError, forecast_load, time_to_threshold

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
    with pytest.raises(ForecastError, match="48 hours"):
        forecast_load(pd.Series([1.0] * 10, index=pd.date_range("2024-01-01", periods=10, freq="1h")), pd.Timedelta("6h"))


def test_load_forecast_follows_daily_and_weekly_seasonality() -> None:
    index = pd.date_range("2024-01-01", periods=24 * 7 * 3 + 24, freq="1h")
    hours, days = index.hour.to_numpy(), index.day_of_week.to_numpy()
    truth = 200 + 80 * np.sin(2 * np.pi * (hours - 6) / 24) - 60 * (days >= 5)
    noisy = truth + np.random.default_rng(4).normal(0, 5, len(index))
    history, future = pd.Series(noisy[:-24], index=index[:-24]), truth[-24:]
    forecast = forecast_load(history, pd.Timedelta("24h"))
    assert forecast.seasonal_period == 168 and len(forecast.mean) == 24
    assert np.mean(np.abs(forecast.mean - future) / future) < 0.08
    assert np.mean((forecast.low <= future) & (future <= forecast.high)) >= 0.7


def test_filling_disk_alert_leads_the_real_crossing() -> None:
    printed = CliRunner().invoke(app, ["bench", "predictive", "--horizon", "24h", "--format", "json"])
    assert printed.exit_code == 0, printed.output
    result = json.loads(printed.output)
    assert result["first_alert_at_seconds"] < result["crossing_at_seconds"]
    assert 20 * HOUR <= result["lead_seconds"] <= 30 * HOUR


def test_forecast_command_prints_hourly_mean_and_interval(tmp_path) -> None:
    index = pd.date_range("2024-01-01", periods=24 * 12 * 4, freq="5min")
    load = 100 + 40 * np.sin(2 * np.pi * index.hour.to_numpy() / 24) + np.random.default_rng(2).normal(0, 3, len(index))
    path = tmp_path / "load.csv"
    pd.DataFrame({"timestamp": index.strftime("%Y-%m-%d %H:%M:%S"), "value": load}).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["detect", "forecast", "--csv", str(path), "--horizon", "6h", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["seasonal_period_hours"] == 24 and len(report["forecast"]) == 6
    first = report["forecast"][0]
    assert first["low"] <= first["mean"] <= first["high"] and first["time"].startswith("2024-01-05T00:00")
    short = CliRunner().invoke(app, ["detect", "forecast", "--csv", str(path), "--horizon", "soon"])
    assert short.exit_code == 2 and "--horizon" in short.output
