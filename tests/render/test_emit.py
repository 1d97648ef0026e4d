"""The writer keeps a manifest of what tenantwatch wrote: a re-render removes only its own
stale files, the user's files beside them survive (and `--check` ignores them), and a
failed render still leaves the folder as it was."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tenantwatch.render.emit import MANIFEST, differences, write_tree

REPO = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("tenantwatch")
USER_RULES = "groups:\n- name: mine\n  rules:\n  - record: mine:up:sum\n    expr: sum(up)\n"


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_rerender_removes_what_it_wrote_before_and_keeps_the_users_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"prometheus": {"rules/a.yml": "a\n", "rules/b.yml": "b\n", "prometheus.yml": "p\n"}})
    write(out / "prometheus" / "rules" / "mine.yml", USER_RULES)
    write(out / "prometheus" / "notes" / "README", "my notes\n")
    write_tree(out, {"prometheus": {"rules/a.yml": "a2\n", "prometheus.yml": "p\n"}})
    after = snapshot(out / "prometheus")
    assert after["rules/a.yml"] == b"a2\n"
    assert "rules/b.yml" not in after  # written by tenantwatch, no longer rendered
    assert after["rules/mine.yml"] == USER_RULES.encode() and after["notes/README"] == b"my notes\n"
    assert json.loads(after[MANIFEST])["files"] == ["prometheus.yml", "rules/a.yml"]


def test_rendered_folders_are_readable_by_the_services_that_load_them(tmp_path: Path) -> None:
    """Debian's Prometheus and Alertmanager run as the user `prometheus`: a subtree swapped in
    gets the mode any folder gets under the umask, not a temp dir's 0700 (permission denied)."""
    out = tmp_path / "out"
    umask = os.umask(0o022)
    try:
        write_tree(out, {"prometheus": {"rules/a.yml": "a\n", "prometheus.yml": "p\n"}, "alertmanager": {"alertmanager.yml": "x\n"}})
    finally:
        os.umask(umask)
    for folder in ("prometheus", "prometheus/rules", "alertmanager"):
        assert stat.S_IMODE((out / folder).stat().st_mode) == 0o755, folder


def test_a_first_render_into_a_folder_with_files_deletes_none_of_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out / "grafana" / "dashboards" / "mine.json", "{}\n")
    write_tree(out, {"grafana": {"dashboards/tenantwatch-overview.json": "{}\n"}})
    assert (out / "grafana" / "dashboards" / "mine.json").read_text() == "{}\n"


def test_check_ignores_the_users_files_and_reports_its_own(tmp_path: Path) -> None:
    out = tmp_path / "out"
    tree = {"grafana": {"dashboards/a.json": "{}\n", "dashboards/b.json": "{}\n"}}
    write_tree(out, tree)
    write(out / "grafana" / "dashboards" / "mine.json", "{}\n")
    assert differences(out, tree) == []
    (out / "grafana" / "dashboards" / "a.json").write_text("edited\n")
    assert differences(out, {"grafana": {"dashboards/a.json": "{}\n", "dashboards/c.json": "{}\n"}}) == [
        "~ grafana/dashboards/a.json", "- grafana/dashboards/b.json", "+ grafana/dashboards/c.json"]


def test_a_failed_write_leaves_the_folder_and_the_users_files_as_they_were(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"prometheus": {"rules/a.yml": "a\n"}, "grafana": {"dashboards/a.json": "{}\n"}})
    write(out / "prometheus" / "rules" / "mine.yml", USER_RULES)
    before = snapshot(out)
    broken = {"prometheus": {"rules/a.yml": "new\n"}, "grafana": {"x": "file\n", "x/y.json": "under a file\n"}}
    with pytest.raises(OSError):
        write_tree(out, broken)
    assert snapshot(out) == before


def render(spec: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "render", str(spec), "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=300)


def test_real_render_keeps_user_rules_and_dashboards_and_drops_a_board_it_no_longer_renders(tmp_path: Path) -> None:
    spec, out = tmp_path / "platform.yaml", tmp_path / "out"
    spec.write_text((REPO / "examples" / "platform.yaml").read_text())
    assert render(spec, out, "--only", "prometheus,grafana").returncode == 0
    ml_board = out / "grafana" / "dashboards" / "tenantwatch-ml.json"
    assert ml_board.is_file()
    user_rules = write(out / "prometheus" / "rules" / "mine.yml", USER_RULES)
    user_board = write(out / "grafana" / "dashboards" / "mine.json", '{"title": "mine"}\n')
    assert render(spec, out, "--only", "prometheus,grafana", "--check").returncode == 0  # the user's files are no difference
    data = yaml.safe_load(spec.read_text())
    models = [name for name, service in data["services"].items() if service["kind"] == "model"]
    data["services"] = {name: service | {"depends_on": [d for d in service.get("depends_on", []) if d not in models]}
                        for name, service in data["services"].items() if name not in models}
    spec.write_text(yaml.safe_dump(data))
    check = render(spec, out, "--only", "prometheus,grafana", "--check")
    assert check.returncode == 1 and "- grafana/dashboards/tenantwatch-ml.json" in check.stdout
    assert "mine" not in check.stdout
    proc = render(spec, out, "--only", "prometheus,grafana")
    assert proc.returncode == 0, proc.stderr
    assert not ml_board.exists()
    assert user_rules.read_text() == USER_RULES and user_board.read_text() == '{"title": "mine"}\n'
