"""`tenantwatch notify` sends a test message through the spec's channels and reports per channel."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tenantwatch.cli import app

SPEC = """
version: 1
platform: test
services: {{api: {{kind: http}}}}
tenants: {{acme: {{}}}}
channels:
  team-slack: {{type: slack, webhook_url: "env:SLACK_URL"}}
  hook: {{type: webhook, url: "{hook}"}}
"""


def write_spec(tmp_path, recorder) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(hook=recorder.url("/hook")))
    return str(path)


def test_notify_sends_to_every_channel_and_reports_json(tmp_path, recorder):
    spec = write_spec(tmp_path, recorder)
    result = CliRunner().invoke(app, ["notify", spec, "--format", "json"], env={"SLACK_URL": recorder.url("/slack")})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {name: entry["ok"] for name, entry in report.items()} == {"team-slack": True, "hook": True}
    assert sorted(r.path for r in recorder.delivered) == ["/hook", "/slack"]
    slack = next(r for r in recorder.delivered if r.path == "/slack").json()
    assert slack["text"] == "[TRIGGERED] [INFO] acme: tenantwatch test notification"


def test_notify_one_channel_with_a_missing_secret_fails_and_names_the_variable(tmp_path, recorder):
    spec = write_spec(tmp_path, recorder)
    result = CliRunner().invoke(app, ["notify", spec, "-c", "team-slack"], env={"SLACK_URL": ""})
    assert result.exit_code == 1
    assert "SLACK_URL" in result.output and "failed" in result.output
    assert recorder.requests == []


def test_notify_unknown_channel_is_a_usage_error(tmp_path, recorder):
    result = CliRunner().invoke(app, ["notify", write_spec(tmp_path, recorder), "-c", "nope"])
    assert result.exit_code == 2
    assert "unknown channel(s) nope" in result.output
