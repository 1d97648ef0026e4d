"""The polling loops behind `detect --prometheus` and `detect predict`, with the live view.

Why a loop apart from the commands: it owns timing, the Alertmanager sync and error
reporting, so the command functions stay thin and the followers stay testable without it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Optional

from rich.console import Console
from rich.live import Live
from rich.table import Table

from tenantwatch.detect.alerts import AlertPoster, Finding
from tenantwatch.detect.live import AlertStyle, AnomalyFollower, CrossingPredictor
from tenantwatch.detect.sources import Prometheus, SourceError
from tenantwatch.exitcodes import ExitCode

KEEP_ALIVE_POLLS = 4  # endsAt = now + this many intervals, so a missed poll does not resolve


@dataclass(frozen=True)
class FollowSettings:
    step: float
    warmup: float
    interval: float
    hold: float
    iterations: Optional[int]
    severity: str
    tenant: str
    json_lines: bool


def run_follow(prometheus: str, query: str, alertmanager: Optional[str], detector: str, threshold: float,
               state: Optional[Path], settings: FollowSettings, out: Console, err: Console) -> ExitCode:
    try:
        follower = AnomalyFollower(Prometheus(prometheus), query, detector=detector, step=settings.step,
                                   warmup=settings.warmup, threshold=threshold, hold=settings.hold,
                                   style=_style(settings), state_path=state)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.print(f"detect: --state {state}: cannot load saved detector state: {exc}", markup=False, highlight=False)
        return ExitCode.INVALID
    return _loop(follower.poll, lambda: _anomaly_table(follower, query), alertmanager, settings, out, err)


def run_predict(prometheus: str, query: str, alertmanager: Optional[str], limit: float, horizon: float,
                settings: FollowSettings, out: Console, err: Console) -> ExitCode:
    predictor = CrossingPredictor(Prometheus(prometheus), query, limit, horizon, lookback=settings.warmup,
                                  step=settings.step, style=_style(settings))
    return _loop(predictor.poll, lambda: _crossing_table(predictor), alertmanager, settings, out, err)


def _style(settings: FollowSettings) -> AlertStyle:
    return AlertStyle(severity=settings.severity, default_tenant=settings.tenant)


def _loop(poll: Callable[[float], list[Finding]], view: Callable[[], Table], alertmanager: Optional[str],
          settings: FollowSettings, out: Console, err: Console) -> ExitCode:
    """Poll until the iterations are done (or Ctrl-C); errors end the run with exit 1."""
    poster = AlertPoster(alertmanager, timedelta(seconds=KEEP_ALIVE_POLLS * settings.interval)) if alertmanager else None
    live = Live(view(), console=out, auto_refresh=False) if out.is_terminal and not settings.json_lines else None
    done = 0
    try:
        if live:
            live.start()
        while settings.iterations is None or done < settings.iterations:
            if done:
                time.sleep(settings.interval)
            findings = poll(time.time())
            firing, resolved = poster.sync(findings) if poster else (len(findings), 0)
            done += 1
            _report(findings, firing, resolved, view, live, settings, out)
    except (SourceError, OSError) as exc:
        err.print(f"detect: {exc}", markup=False, highlight=False)
        return ExitCode.FAILED
    except KeyboardInterrupt:
        pass
    finally:
        if live:
            live.stop()
    return ExitCode.OK


def _report(findings: list[Finding], firing: int, resolved: int, view: Callable[[], Table], live: Optional[Live],
            settings: FollowSettings, out: Console) -> None:
    if settings.json_lines:
        print(json.dumps({"time": time.time(), "firing": firing, "resolved": resolved,
                          "findings": [{"alertname": f.alertname, "labels": f.labels, "summary": f.summary,
                                        "description": f.description} for f in findings]}), flush=True)
    elif live:
        live.update(view(), refresh=True)
    else:
        out.print(view())


def _anomaly_table(follower: AnomalyFollower, query: str) -> Table:
    table = Table("series", "last value", "score", "status", title=f"detect: {query}")
    for row in sorted(follower.status.values(), key=lambda r: (not r.anomalous, -r.score)):
        status = "[red]ANOMALY[/red]" if row.anomalous else "[green]ok[/green]"
        table.add_row(row.key, f"{row.value:g}", f"{row.score:.3f}", status)
    return table


def _crossing_table(predictor: CrossingPredictor) -> Table:
    table = Table("series", "trend/h", "eta", "earliest", "status",
                  title=f"predict: {predictor.query} reaching {predictor.limit:g} within {predictor.horizon:g}s")
    for key, (series, crossing) in sorted(predictor.latest.items()):
        if isinstance(crossing, str):
            table.add_row(key, "-", "-", "-", f"[yellow]{crossing}[/yellow]")
            continue
        status = "[red]PREDICTED[/red]" if crossing.within(predictor.horizon) else "[green]ok[/green]"
        table.add_row(key, f"{crossing.slope_per_second * 3600:+.4g}", _hours(crossing.eta), _hours(crossing.earliest), status)
    return table


def _hours(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds / 3600:.1f}h"
