"""`tenantwatch remediate` shows the plan for an alert (dry-run) and acts only with --execute."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tenantwatch.cli import app

SPEC = """
version: 1
platform: test
services: {cache: {kind: redis}}
tenants: {acme: {}}
remediation:
  rules:
    - match: {service: cache}
      action: redis_evict
      params: {pattern: "cache:*"}
"""
LABELS = ["-l", "tenant=acme", "-l", "service=cache"]


def run(tmp_path, *args: str, env: dict[str, str] | None = None):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    return CliRunner().invoke(app, ["remediate", str(spec), *args], env=env or {})


def test_dry_run_by_default_leaves_the_keys(tmp_path, redis_url, redis_db):
    redis_db.set("cache:1", 1)
    result = run(tmp_path, *LABELS, "--format", "json", env={"TENANTWATCH_REDIS_URL": redis_url})
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert entry["status"] == "dry_run" and entry["plan"] == "unlink keys matching 'cache:*' (at most 10000)"
    assert redis_db.exists("cache:1") == 1


def test_execute_acts(tmp_path, redis_url, redis_db):
    redis_db.set("cache:1", 1)
    result = run(tmp_path, *LABELS, "--execute", env={"TENANTWATCH_REDIS_URL": redis_url})
    assert result.exit_code == 0, result.output
    assert "unlinked 1 key(s)" in result.stdout
    assert redis_db.exists("cache:1") == 0


def test_unknown_or_hostile_tenant_is_refused(tmp_path):
    for tenant in ("initech", "acme;FLUSHALL"):
        result = run(tmp_path, "-l", f"tenant={tenant}", "-l", "service=cache", "--format", "json")
        assert result.exit_code == 1
        assert json.loads(result.stdout)[0]["status"] == "refused"


def test_malformed_label_is_a_usage_error(tmp_path):
    result = run(tmp_path, "-l", "tenant")
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.output
