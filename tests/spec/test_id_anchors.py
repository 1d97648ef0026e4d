"""Ids anchored at the true end of the string: `acme\\n` is not `acme`. Python's `$` matches
before a trailing newline, so a `$`-anchored check passes `acme\\n`; every id check refuses it,
and the refusal names the place on one line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tenantwatch.spec import load_text
from tenantwatch.spec.units import DNS_LABEL
from tenantwatch.web.signals import SignalError, build_queries
from tests.spec.test_bad_specs import add, edit

SRC = Path(__file__).resolve().parents[2] / "src" / "tenantwatch"


def _validate(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    return subprocess.run([sys.executable, "-m", "tenantwatch.cli", "validate", str(spec)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("text", "path"), [
    (add('  "acme\\n": {}\n'), 'tenants["acme\\n"]'),
    (edit("db: {kind: postgres}", 'db: {kind: postgres}\n  "cache\\n": {kind: redis}'), 'services["cache\\n"]'),
])
def test_an_id_with_a_trailing_newline_is_refused_on_one_line(tmp_path: Path, text: str, path: str) -> None:
    result = _validate(tmp_path, text)
    assert result.returncode == 2, result.stderr
    problem = next(line for line in result.stderr.splitlines() if "DNS-1123" in line)
    assert problem.startswith(f"{path}: ") and "[error, line" in problem


def test_remediation_parameters_refuse_a_trailing_newline() -> None:
    text = add("remediation:\n  rules:\n"
               '    - {match: {service: api}, action: restart_deployment, params: {deployment: "api\\n"}}\n'
               '    - {match: {service: api}, action: redis_evict, params: {pattern: "sess:*\\n"}}\n'
               '    - {match: {service: db}, action: cancel_slow_queries, params: {older_than: 5m, datname: "shop\\n"}}\n')
    paths = {issue.path for issue in load_text(text, environ={}).issues}
    assert {"remediation.rules[0].params.deployment", "remediation.rules[1].params.pattern",
            "remediation.rules[2].params.datname"} <= paths


def test_the_shared_id_pattern_refuses_a_trailing_newline_however_it_is_called() -> None:
    for call in (DNS_LABEL.match, DNS_LABEL.fullmatch, DNS_LABEL.search):
        assert call("acme") and not call("acme\n")


def test_the_dashboard_builds_no_query_for_a_tenant_with_a_trailing_newline() -> None:
    """The dashboard's charts put the tenant into a PromQL selector after checking it."""
    assert build_queries("traffic", "acme")
    with pytest.raises(SignalError):
        build_queries("traffic", "acme\n")


def test_no_python_regex_in_the_package_is_anchored_with_dollar() -> None:
    """`re` patterns end with \\Z (or are used with fullmatch); pydantic's `pattern=` runs on
    Rust's regex engine, where `$` is the true end (the remediation test above shows it)."""
    anchored = re.compile(r"""re\.(?:compile|match|search)\(r?["'][^"']*(?<!\\)\$["']""")
    found = [f"{path.relative_to(SRC)}:{number}" for path in SRC.rglob("*.py")
             for number, line in enumerate(path.read_text().splitlines(), 1) if anchored.search(line)]
    assert found == []
