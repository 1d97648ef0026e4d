"""The user's rule files named in the spec: read relative to the spec file, copied into
rules/user/, and loadable by the real promtool; unreadable or clashing files are refused
with the key path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from am_specs import load, minimal_data
from tenantwatch.render import RenderError, RenderOptions
from tenantwatch.render.prometheus.user_rules import user_rule_files

RULES = "groups:\n- name: mine\n  rules:\n  - alert: MyOwnAlert\n    expr: up == 0\n    labels: {severity: warning}\n"


def spec_with(*rule_files: str):
    return load(minimal_data() | {"prometheus": {"rule_files": list(rule_files)}})


def test_rule_files_are_read_next_to_the_spec_and_land_in_rules_user(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "mine.yml").write_text(RULES)
    (tmp_path / "abs.yml").write_text(RULES)
    files = user_rule_files(spec_with("team/mine.yml", str(tmp_path / "abs.yml")), RenderOptions(spec_dir=tmp_path))
    assert files == {"rules/user/mine.yml": RULES, "rules/user/abs.yml": RULES}
    out = tmp_path / "out"
    for rel, content in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(content)
    proc = subprocess.run(["promtool", "check", "rules", *files], cwd=out, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_rule_files_no_files(tmp_path: Path) -> None:
    assert user_rule_files(spec_with(), RenderOptions(spec_dir=tmp_path)) == {}


def test_an_unreadable_file_names_its_key_path(tmp_path: Path) -> None:
    (tmp_path / "mine.yml").write_text(RULES)
    with pytest.raises(RenderError, match=r"^prometheus\.rule_files\[1\]: cannot read .*missing\.yml: No such file"):
        user_rule_files(spec_with("mine.yml", "missing.yml"), RenderOptions(spec_dir=tmp_path))


def test_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    """Validation refuses this too; a spec built in code still gets a clear render error."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "mine.yml").write_text(RULES)
    spec = spec_with()
    in_code = spec.model_copy(update={"prometheus": spec.prometheus.model_copy(update={"rule_files": ["a/mine.yml", "b/mine.yml"]})})
    with pytest.raises(RenderError, match=r"^prometheus\.rule_files\[1\]: another rule file is also named mine\.yml \(prometheus\.rule_files\[0\]\)"):
        user_rule_files(in_code, RenderOptions(spec_dir=tmp_path))
