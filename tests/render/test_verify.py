"""`render --verify` checks the user's rule files with the rendered ones (real promtool)."""

from __future__ import annotations

from pathlib import Path

from tenantwatch.render.verify import verify_tree

GOOD = "groups:\n- name: ours\n  rules:\n  - record: ours:up:sum\n    expr: sum(up)\n"
BROKEN = "groups:\n- name: theirs\n  rules:\n  - record: theirs:up:sum\n    expr: sum(up\n"


def test_promtool_checks_rule_files_below_rules_too(tmp_path: Path) -> None:
    rules = tmp_path / "prometheus" / "rules"
    (rules / "user").mkdir(parents=True)
    (rules / "ours.yml").write_text(GOOD)
    (rules / "user" / "theirs.yaml").write_text(BROKEN)
    [run] = [r for r in verify_tree(tmp_path) if r.what == "promtool check rules"]
    assert not run.ok and "rules/user/theirs.yaml" in run.output
