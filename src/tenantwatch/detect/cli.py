"""`tenantwatch detect ...` and `tenantwatch bench ...`: thin command functions over detect/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from tenantwatch.detect.names import DEFAULT, DETECTOR_NAMES
from tenantwatch.exitcodes import ExitCode, fail
from tenantwatch.spec.units import parse_duration

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
DEFAULT_THRESHOLD = 0.5

detect_app = typer.Typer(help="Anomaly detection and forecasting over Prometheus series or CSV files.",
                         rich_markup_mode="markdown", invoke_without_command=True)
bench_app = typer.Typer(help="Benchmarks that print figures (NAB score, predictive lead time, load forecast error).",
                        rich_markup_mode="markdown", no_args_is_help=True)


def _duration(option: str, text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise fail(f"{option}: {exc}", ExitCode.INVALID) from None


def _detector(name: str) -> str:
    if name not in DETECTOR_NAMES:
        raise fail(f"--detector: unknown detector {name!r}; choose one of {', '.join(DETECTOR_NAMES)}", ExitCode.INVALID)
    return name


@detect_app.callback()
def detect(
    ctx: typer.Context,
    prometheus: Optional[str] = typer.Option(None, "--prometheus", envvar="PROMETHEUS_URL", help="Prometheus base URL to follow."),
    query: Optional[str] = typer.Option(None, "--query", help="PromQL whose series are followed (one detector state per series)."),
    csv: Optional[Path] = typer.Option(None, "--csv", help="Score a timestamp,value CSV instead."),
    output: Optional[Path] = typer.Option(None, "--out", help="With --csv: write timestamp,value,anomaly_score here."),
    alertmanager: Optional[str] = typer.Option(None, "--alertmanager", help="Post anomalies to this Alertmanager (/api/v2/alerts)."),
    detector: str = typer.Option(DEFAULT, "--detector", help=f"One of: {', '.join(DETECTOR_NAMES)}."),
    threshold: float = typer.Option(DEFAULT_THRESHOLD, "--threshold", help="Score at or above which a point is an anomaly."),
    step: str = typer.Option("15s", "--step", help="Sample spacing asked from Prometheus."),
    warmup: str = typer.Option("1h", "--warmup", help="History fetched first to learn baselines."),
    interval: str = typer.Option("15s", "--interval", help="Time between polls."),
    hold: str = typer.Option("5m", "--hold", help="How long an anomaly stays firing after its last anomalous sample."),
    iterations: Optional[int] = typer.Option(None, "--iterations", help="Stop after N polls (default: run until Ctrl-C)."),
    once: bool = typer.Option(False, "--once", help="Poll once and exit (same as --iterations 1)."),
    state: Optional[Path] = typer.Option(None, "--state", help="JSON file keeping detector state across restarts."),
    severity: str = typer.Option("warning", "--severity", help="severity label of posted alerts."),
    tenant: str = typer.Option("platform", "--tenant", envvar="TENANT_ID", help="tenant label for series without one."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Score live Prometheus series or a CSV file for anomalies.

    Examples:

    * `tenantwatch detect --csv cpu.csv --out scores.csv`
    * `tenantwatch detect --prometheus http://localhost:9090 --query 'sum by (tenant, service) (rate(http_requests_total[5m]))' --alertmanager http://localhost:9093`
    * `tenantwatch detect backtest --csv cpu.csv --labels windows.json`
    * `tenantwatch detect forecast --csv requests.csv --horizon 24h`
    * `tenantwatch detect predict --prometheus URL --query 'kubelet_volume_stats_used_bytes' --limit 1e11 --horizon 24h`
    """
    if ctx.invoked_subcommand is not None:
        return
    detector = _detector(detector)
    if csv is not None:
        _score_csv(csv, output, detector, threshold, format)
        return
    if not prometheus or not query:
        raise fail("detect: give --csv FILE, or --prometheus URL with --query PROMQL (see --help)", ExitCode.INVALID)
    from tenantwatch.detect.follow import FollowSettings, run_follow

    settings = FollowSettings(
        step=_duration("--step", step), warmup=_duration("--warmup", warmup), interval=_duration("--interval", interval),
        hold=_duration("--hold", hold), iterations=1 if once else iterations, severity=severity, tenant=tenant,
        json_lines=format == "json")
    raise typer.Exit(run_follow(prometheus, query, alertmanager, detector, threshold, state, settings, out, err))


def _score_csv(path: Path, output: Optional[Path], detector: str, threshold: float, format: str) -> None:
    from tenantwatch.detect.backtest import scores_frame
    from tenantwatch.detect.corpus import SeriesError, read_csv
    from tenantwatch.detect.registry import make_detector

    try:
        series = read_csv(path)
    except SeriesError as exc:
        raise fail(f"detect: {exc}", ExitCode.INVALID) from None
    scores = make_detector(detector, series.step_seconds).score(series.values)
    frame = scores_frame(series, scores)
    if output is not None:
        tmp = output.with_name(output.name + ".tmp")
        try:
            frame.to_csv(tmp, index=False)
            tmp.replace(output)
        except OSError as exc:
            raise fail(f"detect: cannot write {output}: {exc}") from None
    anomalies = frame[frame["anomaly_score"] >= threshold]
    notes = _series_notes(series)
    if format == "json":
        typer.echo(json.dumps({"file": str(path), "rows": len(frame), "detector": detector, "threshold": threshold,
                               "notes": notes, "anomalies": anomalies.to_dict(orient="records")}, indent=2))
        return
    for note in notes:
        err.print(f"{path}: {note}", markup=False, highlight=False)
    table = Table("timestamp", "value", "score", title=f"{len(anomalies)} anomalies in {len(frame)} rows of {path} ({detector})")
    for row in anomalies.itertuples():
        table.add_row(row.timestamp, f"{row.value:g}", f"{row.anomaly_score:.3f}")
    out.print(table)


def _series_notes(series) -> list[str]:
    """Documented behaviours worth telling the user about (not errors)."""
    import numpy as np

    notes = []
    missing = int(np.isnan(series.values).sum())
    if missing:
        notes.append(f"{missing} missing/NaN value(s): each repeats the previous value and scores 0")
    finite = series.values[~np.isnan(series.values)]
    if len(finite) and np.ptp(finite) == 0:
        notes.append("the series is constant: every score is 0 until it changes")
    gaps = np.diff(series.timestamps.asi8) > 1.5 * series.step_seconds * 1e9 if len(series.values) > 1 else []
    if np.any(gaps):
        notes.append(f"{int(np.sum(gaps))} gap(s) longer than 1.5 sampling steps: rows are scored as consecutive samples")
    return notes


@detect_app.command("backtest")
def backtest_command(
    csv: Path = typer.Option(..., "--csv", help="timestamp,value CSV."),
    labels: Path = typer.Option(..., "--labels", help="JSON: [[start, end], ...] or NAB's {file: windows}."),
    detector: str = typer.Option(DEFAULT, "--detector", help=f"One of: {', '.join(DETECTOR_NAMES)}."),
    threshold: float = typer.Option(DEFAULT_THRESHOLD, "--threshold", help="Score counted as a detection."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Precision, recall and detection delay of a detector against labelled anomaly windows.

    Example: `tenantwatch detect backtest --csv nab/realKnownCause/nyc_taxi.csv --labels nab/labels/combined_windows.json`
    """
    from tenantwatch.detect.backtest import backtest, read_windows
    from tenantwatch.detect.corpus import SeriesError, read_csv
    from tenantwatch.detect.registry import make_detector

    detector = _detector(detector)
    try:
        series = read_csv(csv)
        result = backtest(series, make_detector(detector, series.step_seconds).score(series.values),
                          read_windows(labels, csv.name), threshold)
    except SeriesError as exc:
        raise fail(f"detect backtest: {exc}", ExitCode.INVALID) from None
    summary = result.as_dict()
    if format == "json":
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table("windows", "detected", "detections", "precision", "recall", "median delay",
                  title=f"backtest of {detector} on {csv} (threshold {threshold:g})")
    delay = summary["median_delay_seconds"]
    table.add_row(str(result.windows), str(result.detected_windows), str(result.detections),
                  f"{result.precision:.2f}", f"{result.recall:.2f}", "-" if delay is None else f"{delay:.0f}s")
    out.print(table)


@detect_app.command("predict")
def predict_command(
    prometheus: str = typer.Option(..., "--prometheus", envvar="PROMETHEUS_URL", help="Prometheus base URL."),
    query: str = typer.Option(..., "--query", help="PromQL of the filling series (used bytes, connections, memory)."),
    limit: float = typer.Option(..., "--limit", help="The value that must not be reached (capacity, max connections)."),
    horizon: str = typer.Option("24h", "--horizon", help="Alert when the crossing may come within this time."),
    lookback: str = typer.Option("6h", "--lookback", help="History the trend is fitted on."),
    step: str = typer.Option("60s", "--step", help="Sample spacing asked from Prometheus."),
    interval: str = typer.Option("60s", "--interval", help="Time between polls."),
    alertmanager: Optional[str] = typer.Option(None, "--alertmanager", help="Post predictions (category=predictive)."),
    iterations: Optional[int] = typer.Option(None, "--iterations", help="Stop after N polls."),
    once: bool = typer.Option(False, "--once", help="Poll once and exit."),
    severity: str = typer.Option("warning", "--severity", help="severity label of posted alerts."),
    tenant: str = typer.Option("platform", "--tenant", envvar="TENANT_ID", help="tenant label for series without one."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Time until each series reaches --limit (robust trend with an uncertainty band); alerts
    fire while the crossing may come within --horizon and resolve when it no longer may.

    Example: `tenantwatch detect predict --prometheus http://localhost:9090 --query 'kubelet_volume_stats_capacity_bytes - kubelet_volume_stats_available_bytes' --limit 1e11 --horizon 24h --once`
    """
    from tenantwatch.detect.follow import FollowSettings, run_predict

    settings = FollowSettings(
        step=_duration("--step", step), warmup=_duration("--lookback", lookback), interval=_duration("--interval", interval),
        hold=0.0, iterations=1 if once else iterations, severity=severity, tenant=tenant, json_lines=format == "json")
    raise typer.Exit(run_predict(prometheus, query, alertmanager, limit, _duration("--horizon", horizon), settings, out, err))


def _load_series(csv: Path, command: str):
    """A CSV's load as a time-indexed series: rows sorted by time (a forecast reads time, not
    row order), missing values dropped, a repeated timestamp keeps its last row."""
    import pandas as pd

    from tenantwatch.detect.corpus import SeriesError, read_csv

    try:
        series = read_csv(csv, strict_order=False)
    except SeriesError as exc:
        raise fail(f"{command}: {exc}", ExitCode.INVALID) from None
    history = pd.Series(series.values, index=series.timestamps).dropna().sort_index(kind="stable")
    return history[~history.index.duplicated(keep="last")]


@detect_app.command("forecast")
def forecast_command(
    csv: Path = typer.Option(..., "--csv", help="timestamp,value CSV of a load (request rate)."),
    horizon: str = typer.Option("24h", "--horizon", help="How far ahead (hourly steps)."),
    interval: float = typer.Option(0.9, "--interval", help="Probability covered by low..high."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Forecast a load series hour by hour with daily (weekly, given two weeks) seasonality.

    Several models forecast the last week of the history from what came before it; the two
    that did best are averaged, and the interval is the spread of their errors there.

    Example: `tenantwatch detect forecast --csv requests.csv --horizon 12h --format json`
    """
    import pandas as pd

    from tenantwatch.detect.forecast import ForecastError
    from tenantwatch.detect.loadforecast import forecast_load

    history = _load_series(csv, "detect forecast")
    try:
        result = forecast_load(history, pd.Timedelta(seconds=_duration("--horizon", horizon)), interval=interval)
    except ForecastError as exc:
        raise fail(f"detect forecast: {csv}: {exc}", ExitCode.INVALID) from None
    rows = [{"time": t.isoformat(), "mean": m, "low": lo, "high": hi}
            for t, m, lo, hi in zip(result.index, result.mean, result.low, result.high)]
    if format == "json":
        typer.echo(json.dumps({"seasonal_period_hours": result.seasonal_period, "interval": interval, "model": result.model,
                               "validation_mae": result.validation_mae, "forecast": rows}, indent=2))
        return
    table = Table("time", "mean", "low", "high",
                  title=f"load forecast of {csv} ({result.model}; {result.seasonal_period} h season, {interval:.0%} interval)")
    for row in rows:
        table.add_row(row["time"], f"{row['mean']:.4g}", f"{row['low']:.4g}", f"{row['high']:.4g}")
    out.print(table)


@bench_app.command("nab")
def bench_nab(
    data: Path = typer.Option(..., "--data", help="NAB layout: category folders of CSVs and labels/combined_windows.json "
                              "(NAB's repository or its data/ folder work too)."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="NAB's combined_windows.json, if not under DATA/labels or DATA/../labels."),
    output: Optional[Path] = typer.Option(None, "--out", help="Write <category>/<name>.csv (timestamp,value,anomaly_score) here."),
    detector: str = typer.Option(DEFAULT, "--detector", help=f"One of: {', '.join(DETECTOR_NAMES)}."),
    baselines: str = typer.Option("gaussian,random", "--baselines", help="Comma-separated detectors scored beside it ('' for none)."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Score a detector on the Numenta Anomaly Benchmark (three profiles, null = 0, perfect = 100).

    Example: `tenantwatch bench nab --data NAB/data --out nab-results`, on a clone of
    https://github.com/numenta/NAB (its labels/combined_windows.json, beside data/, is found)
    """
    from tenantwatch.detect.bench import matrix_throughput, run_nab
    from tenantwatch.detect.corpus import SeriesError, load_nab

    names = [_detector(n.strip()) for n in baselines.split(",") if n.strip()]
    try:
        files = load_nab(data, labels)
    except SeriesError as exc:
        raise fail(f"bench nab: {exc}", ExitCode.INVALID) from None
    try:
        with err.status("scoring...") as status:
            rows = run_nab(files, _detector(detector), names, output, lambda name: status.update(f"scoring {name}..."))
    except OSError as exc:
        raise fail(f"bench nab: cannot write scores into {output}: {exc}") from None
    batch_speed = matrix_throughput(detector)
    if format == "json":
        typer.echo(json.dumps({"files": len(files), "windows": rows[0].scores[0].windows, "batch_points_per_second": batch_speed,
                               "rows": [{"detector": r.detector, "files": r.files, "points_per_second": r.points_per_second,
                                         "scores": {s.profile: s.score for s in r.scores},
                                         "thresholds": {s.profile: s.threshold for s in r.scores}} for r in rows]}, indent=2))
        return
    table = Table("detector", "files", "standard", "low FP", "low FN", "points/s",
                  title=f"NAB on {len(files)} files, {rows[0].scores[0].windows} windows ({data})")
    for r in rows:
        table.add_row(r.detector, r.files, *(f"{s.score:.1f}" for s in r.scores),
                      "-" if r.points_per_second is None else f"{r.points_per_second:,.0f}")
    out.print(table)
    out.print(f"vectorised batch path: {batch_speed:,.0f} points/s ({detector}, 64 series x 10 000 points, one process)")
    if output is not None:
        out.print(f"per-file scores written to {output}/<category>/<name>.csv")


@bench_app.command("predictive")
def bench_predictive(
    horizon: str = typer.Option("24h", "--horizon", help="Alert horizon of the time-to-full prediction."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Lead time of the time-to-full alert on a synthetic filling disk."""
    from tenantwatch.detect.backtest import filling_disk_lead_time

    result = filling_disk_lead_time(horizon=_duration("--horizon", horizon))
    lead = result.lead
    if format == "json":
        typer.echo(json.dumps({"crossing_at_seconds": result.crossing_at, "first_alert_at_seconds": result.first_alert_at,
                               "lead_seconds": lead, "horizon_seconds": result.horizon}))
        return
    if lead is None:
        raise fail("the time-to-full alert never fired before the disk filled")
    out.print(f"disk full after {result.crossing_at / 3600:.1f} h; time-to-full alert fired at "
              f"{result.first_alert_at / 3600:.1f} h: lead time {lead / 3600:.1f} h (horizon {result.horizon / 3600:.0f} h)")


@bench_app.command("forecast")
def bench_forecast(
    csv: Path = typer.Option(..., "--csv", help="timestamp,value CSV of a load with at least three weeks of history."),
    horizon: str = typer.Option("24h", "--horizon", help="How far ahead each forecast looks."),
    origins: int = typer.Option(12, "--origins", min=1, help="Forecasts made, spread over the series."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Backtest the load forecast against `offset 1w`, `offset 1d` and "the current value holds".

    Example: `tenantwatch bench forecast --csv NAB/data/realKnownCause/nyc_taxi.csv --horizon 24h`
    (a series of a NAB clone, or your own timestamp,value CSV)
    """
    import pandas as pd
    from rich.progress import Progress

    from tenantwatch.detect.forecast import ForecastError
    from tenantwatch.detect.loadbench import backtest_load

    history = _load_series(csv, "bench forecast")
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("forecasting", total=origins)
        try:
            result = backtest_load(history, pd.Timedelta(seconds=_duration("--horizon", horizon)), origins,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
        except ForecastError as exc:
            raise fail(f"bench forecast: {csv}: {exc}", ExitCode.INVALID) from None
    if format == "json":
        typer.echo(json.dumps({"origins": result.origins, "horizon_hours": result.steps, "models_chosen": result.chosen,
                               "methods": [vars(m) for m in result.scores]}, indent=2))
        return
    table = Table("method", "mean abs. error", "error % of level", "90 % interval holds",
                  title=f"{result.steps} h load forecasts from {result.origins} points of {csv}")
    for m in result.scores:
        table.add_row(m.method, f"{m.mean_abs_error:.4g}", f"{m.error_percent:.1f} %",
                      "-" if m.coverage is None else f"{m.coverage:.0%}")
    out.print(table)
    out.print("models averaged: " + ", ".join(f"{name} ({count}x)" for name, count in sorted(result.chosen.items())))
