"""`tenantwatch demo` refuses bad input before starting anything: exit 2 and a message naming
the option or spec field."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tenantwatch.cli import app


@pytest.mark.parametrize("args, spec_text, message", [
    (["--fault", "acme"], None, "expected TENANT:KIND (e.g. acme:error_burst or platform:db_down), got 'acme'"),
    (["--fault", "platform:api_down"], None,
     "service: api is not shared (one instance per tenant); platform faults hit shared services: db, cache, events"),
    (["--fault", "acme:db_down"], None, "service: db is shared by every tenant; inject service_down on it as platform:service_down (platform:db_down)"),
    (["--fault", "platform:brute_force"], None, "kind: brute_force hits one tenant; inject it as TENANT:brute_force"),
    (["--once", "--fault", "platform:nothing_down"], None, "kind: unknown fault kind 'nothing_down'"),
    (["--fault", "nobody:error_burst"], None, "tenant: unknown tenant 'nobody'; this spec has acme, globex, initech"),
    (["--fault", "acme:meteor"], None, "kind: unknown fault kind 'meteor'"),
    (["--format", "xml"], None, "--format: expected text or json, got 'xml'"),
    (["--spec", "/nonexistent/spec.yaml"], None, "--spec: cannot read /nonexistent/spec.yaml"),
    (["--spec", "{spec}"], "version: 1\nplatform: x\n", "services: required key is missing"),
    (["--spec", "{spec}"], "version: 1\nplatform: x\nservices: {web: {kind: http}}\n", "tenants: the demo needs at least one tenant"),
    (["--spec", "{spec}", "--fault", "a:accuracy_drop"], "version: 1\nplatform: x\nservices: {web: {kind: http}}\ntenants: {a: {}}\n",
     "kind: accuracy_drop needs a service of kind model"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path, args, spec_text, message):
    spec = tmp_path / "spec.yaml"
    if spec_text is not None:
        spec.write_text(spec_text)
    result = CliRunner().invoke(app, ["demo", *[a.replace("{spec}", str(spec)) for a in args]], prog_name="tenantwatch")
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())

