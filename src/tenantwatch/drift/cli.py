"""`tenantwatch drift REFERENCE CURRENT`: a thin command over drift/. Exit 0 without dataset
drift, 1 with it (a CI gate), 2 when the input or an option is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from tenantwatch.exitcodes import ExitCode, fail

FORMATS = ("text", "json", "html")


def _pairs(option: str, items: list[str], convert) -> dict:
    """`COL=VALUE` items (one column) and bare `VALUE` items (every column, key "*")."""
    from tenantwatch.drift.detection import ALL

    found = {}
    for item in items:
        column, _, value = item.rpartition("=")
        try:
            found[column or ALL] = convert(value)
        except ValueError:
            raise fail(f"{option} {item}: expected VALUE or COLUMN=VALUE with a number", ExitCode.INVALID) from None
    return found


def _write(path: Path, text: str) -> None:
    """Written beside the target and renamed over it: a failed write leaves nothing half-written."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise fail(f"{path}: cannot write: {exc.strerror}") from None


def drift(
    reference: Path = typer.Argument(..., help="Reference data (CSV or Parquet), e.g. the training set."),
    current: Path = typer.Argument(..., help="Current data (CSV or Parquet) with the same columns."),
    format: str = typer.Option("text", "--format", help="text, json or html."),
    output: Optional[Path] = typer.Option(None, "--out", help="Write the report here instead of stdout."),
    target: Optional[str] = typer.Option(None, "--target", help="Column with the true label or value."),
    prediction: Optional[str] = typer.Option(None, "--prediction", help="Column with the model's output (label, score or value)."),
    model: Optional[str] = typer.Option(None, "--model", help="model label of exported metrics (default: CURRENT's file name without extension)."),
    tenant: Optional[str] = typer.Option(None, "--tenant", envvar="TENANT_ID", help="tenant label of exported metrics."),
    service: Optional[str] = typer.Option(None, "--service", help="service label of exported metrics (the model service in the spec)."),
    push_to: Optional[str] = typer.Option(None, "--push-to", help="Push the metrics to this Pushgateway URL."),
    textfile: Optional[Path] = typer.Option(None, "--textfile", help="Write the metrics to this .prom file (node-exporter textfile collector)."),
    threshold: list[str] = typer.Option([], "--threshold", help="VALUE for every feature or COLUMN=VALUE; repeatable."),
    method: list[str] = typer.Option([], "--method", help="METHOD for every feature or COLUMN=METHOD (ks, wasserstein, chisquare, z, jensenshannon, psi); repeatable."),
    drift_share: float = typer.Option(0.5, "--drift-share", help="Share of drifted features from which the dataset drifts."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Text encoding of CSV files."),
) -> None:
    """Compare CURRENT with REFERENCE: drift per feature, data quality, model performance.

    Exit code: 0 no dataset drift, 1 dataset drift, 2 bad input.

    Examples:

    * `tenantwatch drift train.parquet today.parquet`
    * `tenantwatch drift train.csv today.csv --format json --target churned --prediction score`
    * `tenantwatch drift train.csv today.csv --format html --out drift.html --method amount=psi`
    * `tenantwatch drift train.csv today.csv --model churn --tenant acme --textfile /var/lib/node_exporter/churn.prom`
    """
    from tenantwatch.drift.analysis import analyse, check_columns
    from tenantwatch.drift.detection import Settings, SettingsError
    from tenantwatch.drift.reading import InputError, read_table

    if format not in FORMATS:
        raise fail(f"--format {format}: choose one of {', '.join(FORMATS)}", ExitCode.INVALID)
    if push_to and textfile:
        raise fail("--push-to and --textfile: give one of them", ExitCode.INVALID)
    if (target is None) != (prediction is None):
        raise fail("--target and --prediction go together", ExitCode.INVALID)
    settings = Settings(methods=_pairs("--method", method, str), thresholds=_pairs("--threshold", threshold, float),
                        drift_share=drift_share)
    try:
        ref_table, cur_table = read_table(reference, encoding), read_table(current, encoding)
        check_columns(reference, ref_table, current, cur_table)
        for option, column in (("--target", target), ("--prediction", prediction)):
            if column is not None and column not in ref_table.column_names:
                raise SettingsError(f"{option} {column}: no such column in {reference}")
        analysis = analyse(ref_table, cur_table, settings, target, prediction)
    except (InputError, SettingsError) as exc:
        raise fail(f"drift: {exc}", ExitCode.INVALID) from None
    del ref_table, cur_table
    _report(analysis, format, output, reference, current)
    if push_to or textfile:
        _export(analysis, model or current.name.split(".")[0], {"tenant": tenant, "service": service}, push_to, textfile)
    raise typer.Exit(ExitCode.FAILED if analysis.dataset.drift else ExitCode.OK)


def _report(analysis, format: str, output: Optional[Path], reference: Path, current: Path) -> None:
    from tenantwatch.drift import render_html, render_text
    from tenantwatch.drift.report import to_json

    if format == "json":
        text = json.dumps(to_json(analysis), indent=2) + "\n"
    elif format == "html":
        text = render_html.render(analysis, reference.name, current.name)
    else:
        buffer = io.StringIO() if output is not None else None
        render_text.render(analysis, Console(file=buffer, soft_wrap=True, width=120 if buffer else None))
        if buffer is None:
            return
        text = buffer.getvalue()
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write(output, text)


def _export(analysis, model: str, labels: dict[str, Optional[str]], push_to: Optional[str], textfile: Optional[Path]) -> None:
    from tenantwatch.drift.export import push, registry, write_textfile

    metrics = registry(analysis, model, {k: v for k, v in labels.items() if v})
    try:
        if textfile is not None:
            write_textfile(metrics, textfile)
        else:
            push(metrics, push_to, model)
    except OSError as exc:
        where = textfile if textfile is not None else push_to
        raise fail(f"drift: cannot export metrics to {where}: {exc}") from None
