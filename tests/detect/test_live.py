"""`detect --prometheus` and `detect predict` against a real Prometheus and Alertmanager."""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.detect.alerts import AlertPoster
from tenantwatch.detect.live import AnomalyFollower, CrossingPredictor
from tenantwatch.detect.sources import Prometheus

from .live_stack import Exporter, start_stack

REQUESTS = 'tw_test_requests{tenant="acme",service="api"}'
LATENCY = 'tw_test_latency{tenant="globex",service="web"}'
DISK = 'tw_test_disk_used_bytes{tenant="acme",service="db"}'
DISK_RATE = 1000.0  # bytes per second
NORMAL = itertools.cycle([100.0, 101.0, 99.0, 100.5, 99.5, 100.2])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    started = time.time()
    level = {"requests": None, "latency": None}
    exporter = Exporter({
        REQUESTS: lambda: level["requests"] if level["requests"] is not None else next(NORMAL),
        LATENCY: lambda: level["latency"] if level["latency"] is not None else next(NORMAL) / 1000,
        DISK: lambda: 1e6 + DISK_RATE * (time.time() - started),
    })
    for s in start_stack(tmp_path_factory.mktemp("stack"), exporter):
        s.level = level
        s.wait_for("tw_test_requests", lambda v: len(v) >= 30)  # the ensemble trusts a view after a few dozen points
        yield s


def _detect(*args: str):
    return CliRunner().invoke(app, ["detect", *args])


def test_jump_becomes_an_alert_in_alertmanager_with_contract_labels(stack, tmp_path: Path) -> None:
    common = ["--prometheus", stack.prometheus, "--query", "tw_test_requests", "--step", "1s", "--warmup", "2m",
              "--alertmanager", stack.alertmanager, "--state", str(tmp_path / "state.json"), "--format", "json"]
    quiet = _detect(*common, "--once")
    assert quiet.exit_code == 0, quiet.output
    assert json.loads(quiet.output)["findings"] == []
    assert stack.alerts("AnomalyDetected") == []

    stack.level["requests"] = 1000.0
    stack.wait_for("tw_test_requests", lambda v: v and v[-1] == 1000.0)
    loud = _detect(*common, "--iterations", "3", "--interval", "1s")  # a poll may end just before the newest scrape
    stack.level["requests"] = None
    assert loud.exit_code == 0, loud.output
    alerts = stack.alerts("AnomalyDetected")
    assert len(alerts) == 1, (alerts, loud.output)
    alert = alerts[0]
    assert alert["labels"] == {"alertname": "AnomalyDetected", "tenant": "acme", "service": "api",
                               "severity": "warning", "category": "anomaly", "signal": "tw_test_requests"}
    assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}
    assert "1000" in alert["annotations"]["description"]
    ends = datetime.fromisoformat(alert["endsAt"].replace("Z", "+00:00"))
    assert ends > datetime.now(timezone.utc)


def test_anomaly_alert_is_refreshed_then_resolved(stack) -> None:
    follower = AnomalyFollower(Prometheus(stack.prometheus), "tw_test_latency", step=1.0, warmup=120.0, hold=1.0,
                               detector="robust")
    poster = AlertPoster(stack.alertmanager, keep_alive=timedelta(minutes=5))
    assert poster.sync(follower.poll(time.time())) == (0, 0)
    stack.level["latency"] = 0.0  # the service stops answering: latency drops to nothing
    _sync_until(follower, poster, (1, 0))
    first = _latency_alert(stack)
    assert first["labels"]["tenant"] == "globex" and first["labels"]["service"] == "web"
    assert poster.sync(follower.poll(time.time())) == (1, 0)  # still inside the hold: refreshed, same start
    assert _latency_alert(stack)["startsAt"] == first["startsAt"]
    stack.level["latency"] = None
    _sync_until(follower, poster, (0, 1))
    assert [a for a in stack.alerts("AnomalyDetected") if a["labels"]["tenant"] == "globex"] == []


def _sync_until(follower, poster, expected: tuple[int, int], timeout: float = 30) -> None:
    """Poll as `detect` does until the poster reports `expected` (firing, resolved)."""
    deadline, seen = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        seen = poster.sync(follower.poll(time.time()))
        if seen == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"expected {expected} (firing, resolved), last poll gave {seen}: {follower.status}")


def _latency_alert(stack) -> dict:
    alerts = [a for a in stack.alerts("AnomalyDetected") if a["labels"]["tenant"] == "globex"]
    assert len(alerts) == 1, stack.alerts("AnomalyDetected")
    return alerts[0]


def test_filling_disk_gets_a_predictive_alert_that_resolves_when_out_of_horizon(stack) -> None:
    stack.wait_for("tw_test_disk_used_bytes", lambda v: len(v) >= 10)
    current = stack.samples("tw_test_disk_used_bytes")[-1]
    limit = current + DISK_RATE * 300  # full in about five minutes
    result = _detect("predict", "--prometheus", stack.prometheus, "--query", "tw_test_disk_used_bytes",
                     "--limit", f"{limit:.0f}", "--horizon", "30m", "--lookback", "2m", "--step", "1s",
                     "--alertmanager", stack.alertmanager, "--once", "--format", "json")
    assert result.exit_code == 0, result.output
    alerts = stack.alerts("ThresholdCrossingPredicted")
    assert [a["labels"] for a in alerts] == [{
        "alertname": "ThresholdCrossingPredicted", "tenant": "acme", "service": "db", "severity": "warning",
        "category": "predictive", "signal": "tw_test_disk_used_bytes"}]
    assert "predicted to reach" in alerts[0]["annotations"]["summary"]

    predictor = CrossingPredictor(Prometheus(stack.prometheus), "tw_test_disk_used_bytes", limit, horizon=1800,
                                  lookback=120, step=1)
    poster = AlertPoster(stack.alertmanager, keep_alive=timedelta(minutes=5))
    assert poster.sync(predictor.poll(time.time())) == (1, 0)
    predictor.horizon = 30.0  # the crossing is now further away than the horizon
    assert poster.sync(predictor.poll(time.time())) == (0, 1)
    assert stack.alerts("ThresholdCrossingPredicted") == []


def test_prometheus_down_or_refusing_the_query_exits_non_zero(stack) -> None:
    from tests.conftest import free_port

    down = _detect("--prometheus", f"http://127.0.0.1:{free_port()}", "--query", "up", "--once")
    assert down.exit_code == 1 and "cannot reach Prometheus" in down.output
    assert "Traceback" not in down.output
    bad = _detect("--prometheus", stack.prometheus, "--query", "sum((", "--once")
    assert bad.exit_code == 1 and "refused 'sum(('" in bad.output and "bad_data" in bad.output
    predict_down = _detect("predict", "--prometheus", f"http://127.0.0.1:{free_port()}", "--query", "up",
                           "--limit", "1", "--once")
    assert predict_down.exit_code == 1 and "cannot reach Prometheus" in predict_down.output
    missing = _detect("--prometheus", stack.prometheus, "--once")
    assert missing.exit_code == 2 and "--query" in missing.output
