"""The command line as docs/api-reference.md describes it: exit codes, messages, and a render that
owns its output folder (atomic swap, --only, --check)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantwatch import __version__, render
from tenantwatch.cli import app
from tenantwatch.render import RenderError, RenderOptions
from tenantwatch.render.emit import MANIFEST
from tenantwatch.spec import Spec

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CLI = Path(sys.executable).with_name("tenantwatch")
SECRET = "xoxb-s3cr3t-value"

VALID = """\
version: 1
platform: shop
services:
  api: {kind: http}
tenants:
  acme: {}
"""


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real console script, without MONITORING_ENV leaking in from the caller."""
    base = {k: v for k, v in os.environ.items() if k != "MONITORING_ENV"}
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**base, **(env or {})})


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) below root, hidden ones included."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


# --- version and validate ---------------------------------------------------------------
# The console script itself is run a few times; the other cases run in process (same app,
# same stdout/stderr split) because every start of the script imports the whole product.

@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("MONITORING_ENV", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_version_prints_the_version() -> None:
    proc = run("version")
    assert (proc.returncode, proc.stdout.strip()) == (0, __version__)


def test_validate_accepts_the_reference_spec() -> None:
    proc = run("validate", EXAMPLES / "platform.yaml", "--strict")
    assert proc.returncode == 0, proc.stderr
    assert "0 error(s), 0 warning(s)" in proc.stderr


def test_validate_prints_each_problem_as_path_and_message_on_stderr(tmp_path: Path) -> None:
    spec = write(tmp_path / "bad.yaml", VALID.replace("kind: http}", "kind: http, depends_on: [db]}") + "objectives: {latency_p95: 200}\n")
    proc = run("validate", spec)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert "services.api.depends_on[0]: unknown service 'db' [error, line 4]" in lines
    assert "objectives.latency_p95: expected a duration like 200ms, 5m or 1h, got 200 [error, line 7]" in lines
    assert lines[-1].startswith("invalid: ") and "2 error(s)" in lines[-1]


def test_warnings_pass_unless_strict(invoke, tmp_path: Path) -> None:
    spec = write(tmp_path / "warn.yaml", VALID + "objectives: {latency_p95: 300ms}\n")
    relaxed, strict = invoke("validate", spec), invoke("validate", spec, "--strict")
    assert relaxed.exit_code == 0 and strict.exit_code == 2
    for result in (relaxed, strict):
        assert "objectives.latency_p95: 0.3s is not a bucket edge" in result.stderr
        assert "[warning, line 7]" in result.stderr


def test_validate_json_for_scripts(invoke, tmp_path: Path) -> None:
    spec = write(tmp_path / "bad.yaml", VALID.replace("version: 1", "version: 2"))
    result = invoke("validate", spec, "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["issues"] == [{"level": "error", "path": "version", "line": 1,
                                 "message": "unsupported spec version 2; this tenantwatch reads version 1"}]


def test_a_secret_in_clear_is_a_warning_that_never_prints_the_secret(invoke, tmp_path: Path) -> None:
    spec = write(tmp_path / "clear.yaml", VALID + f"channels:\n  chat: {{type: slack, webhook_url: 'https://hooks.test/{SECRET}'}}\n")
    for fmt in ("text", "json"):
        result = invoke("validate", spec, "--format", fmt)
        assert result.exit_code == 0
        assert "channels.chat.webhook_url" in result.output
        assert SECRET not in result.output


def test_validate_honours_monitoring_env(invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = write(tmp_path / "env.yaml", VALID + "environment: [not, text]\n")
    assert invoke("validate", spec).exit_code == 2
    monkeypatch.setenv("MONITORING_ENV", "staging")
    assert invoke("validate", spec).exit_code == 0


def test_validate_a_missing_file(invoke, tmp_path: Path) -> None:
    result = invoke("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "cannot read the spec" in result.stderr


def test_help_shows_examples(invoke) -> None:
    result = invoke("render", "--help")
    assert result.exit_code == 0 and "--check" in result.stdout and "Example" in result.stdout


# --- render mechanics (in process, over targets defined here) -------------------------
# These pin the CLI and the atomic writer, independent of what each real target renders.

def tenants_target(spec: Spec, options: RenderOptions) -> dict[str, str]:
    return {"rules/tenants.yml": "\n".join(sorted(spec.tenants)) + "\n", "prometheus.yml": f"env: {spec.environment}\n"}


def services_target(spec: Spec, options: RenderOptions) -> dict[str, str]:
    if "broken" in spec.services:
        raise RenderError("alertmanager: the service 'broken' cannot be rendered")
    return {"alertmanager.yml": "\n".join(sorted(spec.services)) + "\n"}


@pytest.fixture
def cli(invoke, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(render, "load_targets", lambda: {"prometheus": tenants_target, "alertmanager": services_target})
    return invoke


def test_render_writes_every_target_subtree(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID), tmp_path / "out"
    result = cli("render", spec, "--out", out)
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in snapshot(out).items() if not k.endswith(MANIFEST)} == {"alertmanager": None, "alertmanager/alertmanager.yml": b"api\n",
                             "prometheus": None, "prometheus/prometheus.yml": b"env: prod\n",
                             "prometheus/rules": None, "prometheus/rules/tenants.yml": b"acme\n"}


def test_check_passes_after_a_render_and_fails_after_a_change_without_writing(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID), tmp_path / "out"
    assert cli("render", spec, "--out", out).exit_code == 0
    before = snapshot(out)
    assert cli("render", spec, "--out", out, "--check").exit_code == 0
    write(spec, VALID + "  globex: {}\n")
    result = cli("render", spec, "--out", out, "--check")
    assert result.exit_code == 1
    assert "~ prometheus/rules/tenants.yml" in result.output
    assert snapshot(out) == before


def test_check_reports_added_and_stale_files(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID), tmp_path / "out"
    assert cli("render", spec, "--out", out).exit_code == 0
    write(out / "prometheus" / "rules" / "old.yml", "stale\n")
    (out / "alertmanager" / "alertmanager.yml").unlink()
    result = cli("render", spec, "--out", out, "--check")
    assert result.exit_code == 1
    assert "+ alertmanager/alertmanager.yml" in result.output
    assert "old.yml" not in result.output  # not written by tenantwatch: the user's file, not a difference


def test_only_replaces_just_the_named_subtree(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID), tmp_path / "out"
    assert cli("render", spec, "--out", out).exit_code == 0
    write(out / "prometheus" / "rules" / "old.yml", "stale\n")
    write(out / "notes.txt", "mine\n")
    alertmanager_before = {k: v for k, v in snapshot(out).items() if k.startswith("alertmanager")}
    write(spec, VALID.replace("api: {kind: http}", "api: {kind: http}\n  db: {kind: postgres}") + "  globex: {}\n")
    assert cli("render", spec, "--out", out, "--only", "prometheus").exit_code == 0
    after = snapshot(out)
    assert after["prometheus/rules/tenants.yml"] == b"acme\nglobex\n"
    assert after["prometheus/rules/old.yml"] == b"stale\n"  # not written by tenantwatch: the user's file stays
    assert {k: v for k, v in after.items() if k.startswith("alertmanager")} == alertmanager_before
    assert after["notes.txt"] == b"mine\n"


def test_a_failing_target_leaves_the_folder_byte_for_byte(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID), tmp_path / "out"
    assert cli("render", spec, "--out", out).exit_code == 0
    before = snapshot(out)
    write(spec, VALID.replace("api: {kind: http}", "api: {kind: http}\n  broken: {kind: worker}") + "  globex: {}\n")
    result = cli("render", spec, "--out", out)
    assert result.exit_code == 1
    assert "the service 'broken' cannot be rendered" in result.output
    assert snapshot(out) == before  # prometheus rendered fine, yet nothing was swapped in


def test_an_invalid_spec_exits_2_and_writes_nothing(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID.replace("kind: http", "kind: htp")), tmp_path / "out"
    result = cli("render", spec, "--out", out)
    assert result.exit_code == 2
    assert "services.api.kind" in result.output
    assert not out.exists()


def test_an_unknown_only_target_is_a_bad_option(cli, tmp_path: Path) -> None:
    spec, out = write(tmp_path / "s.yaml", VALID), tmp_path / "out"
    result = cli("render", spec, "--out", out, "--only", "prometheus,nagios")
    assert result.exit_code == 2
    assert "--only: unknown target 'nagios'; choose from prometheus, alertmanager" in result.stderr
    assert not out.exists()


def test_remediate_help_shows_the_per_tenant_variables_literally(invoke) -> None:
    result = invoke("remediate", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "TENANTWATCH_PG_DSN[_<TENANT>]" in text and "TENANTWATCH_REDIS_URL[_<TENANT>]" in text


# --- the real targets through the real console script ---------------------------------

def test_real_render_writes_the_tree_and_check_sees_a_change(tmp_path: Path) -> None:
    spec = write(tmp_path / "platform.yaml", (EXAMPLES / "platform.yaml").read_text())
    out = tmp_path / "out"
    proc = run("render", spec, "--out", out, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)["files"]) == set(render.TARGET_MODULES)
    assert (out / "prometheus" / "prometheus.yml").is_file()
    assert (out / "alertmanager" / "alertmanager.yml").is_file()
    assert list((out / "prometheus" / "rules").glob("*.yml")) and list((out / "grafana").rglob("*.json"))
    assert run("render", spec, "--out", out, "--check").returncode == 0
    before = snapshot(out)
    write(spec, spec.read_text() + "  hooli:\n    tier: standard\n")
    assert run("render", spec, "--out", out, "--check").returncode == 1
    assert snapshot(out) == before


def test_real_only_prometheus_leaves_other_targets_alone(tmp_path: Path) -> None:
    spec, out = write(tmp_path / "min.yaml", (EXAMPLES / "minimal.yaml").read_text()), tmp_path / "out"
    assert run("render", spec, "--out", out).returncode == 0
    others = {k: v for k, v in snapshot(out).items() if not k.startswith("prometheus")}
    write(spec, spec.read_text() + "  globex: {}\n")
    assert run("render", spec, "--out", out, "--only", "prometheus").returncode == 0
    assert {k: v for k, v in snapshot(out).items() if not k.startswith("prometheus")} == others
    assert "tenant-globex" in (out / "prometheus" / "prometheus.yml").read_text()  # its scrape records


def test_real_render_that_cannot_keep_a_secret_out_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("render", EXAMPLES / "minimal.yaml", "--out", out).returncode == 0
    before = snapshot(out)
    spec = write(tmp_path / "discord.yaml", VALID + "alert_delivery: alertmanager\nchannels:\n"
                 "  chat: {type: discord, webhook_url: env:DISCORD_URL}\n"
                 "escalation:\n  - {level: L1, notify: [chat]}\n")
    proc = run("render", spec, "--out", out, env={"DISCORD_URL": f"https://discord.test/{SECRET}"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert snapshot(out) == before


def test_real_render_of_an_invalid_spec_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    spec = write(tmp_path / "bad.yaml", VALID.replace("acme", "Acme"))
    out = tmp_path / "out"
    proc = run("render", spec, "--out", out)
    assert proc.returncode == 2
    assert "tenants.Acme: invalid tenant id" in proc.stderr
    assert not out.exists()


def test_verify_checks_a_relative_out_folder_with_the_real_tools(tmp_path: Path) -> None:
    """`render --verify` is the README's first check: it must work from any working directory."""
    proc = subprocess.run([str(CLI), "render", str(EXAMPLES / "platform.yaml"), "--out", "out", "--verify", "--format", "json"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = {c["what"]: c["ok"] for c in json.loads(proc.stdout)["checks"]}
    assert checks == {"promtool check rules": True, "promtool check config": True,
                      "promtool test rules": True, "amtool check-config": True}
