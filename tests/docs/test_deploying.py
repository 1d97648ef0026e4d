"""docs/deploying.md shows commands a user runs as they are: the flags it puts in Debian's
/etc/default files exist in the installed binaries, the Alertmanager command line starts the
real prometheus-alertmanager on the page's own rendered spec, and `amtool config routes
test` answers what the page says."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import httpx
import pytest

from tenantwatch.render import RenderOptions, render_tree
from tenantwatch.render.emit import write_tree
from tenantwatch.spec import load_text
from tests.conftest import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "deploying.md").read_text(encoding="utf-8")
DEFAULTS = re.compile(r'^# /etc/default/(\S+)\nARGS="([^"]*)"$', re.M)
RENDERED = "/etc/tenantwatch/rendered"


def default_args() -> dict[str, list[str]]:
    """{Debian service name: its ARGS} as the page writes /etc/default/<name>."""
    found = {name: shlex.split(args) for name, args in DEFAULTS.findall(PAGE)}
    assert set(found) == {"prometheus", "prometheus-alertmanager"}, found
    return found


def shell_lines(program: str) -> list[list[str]]:
    """Command lines of the page's sh blocks that run `program` (continuations joined)."""
    lines = []
    for body in re.findall(r"^```sh\n(.*?)^```", PAGE, re.S | re.M):
        for line in body.replace("\\\n", " ").splitlines():
            if line.startswith(program + " "):
                lines.append(shlex.split(line))
    return lines


def help_text(argv: list[str]) -> str:
    run = subprocess.run([*argv, "--help-long"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout + run.stderr


@pytest.mark.parametrize("service", ["prometheus", "prometheus-alertmanager"])
def test_every_flag_in_the_default_files_exists_in_the_installed_binary(service: str) -> None:
    known = help_text([f"/usr/bin/{service}"])
    for arg in default_args()[service]:
        flag = arg.split("=", 1)[0]
        assert f"{flag}=" in known or f"{flag} " in known, f"{service} has no flag {flag}"


def test_every_amtool_and_promtool_command_of_the_page_exists() -> None:
    commands = shell_lines("amtool") + shell_lines("promtool")
    assert {tuple(c[:2]) for c in commands} >= {("amtool", "check-config"), ("amtool", "config"), ("promtool", "check")}
    for argv in commands:
        words = [w for w in argv if not w.startswith("-") and "=" not in w and not w.startswith("/")]
        known = help_text(words)
        for flag in (w.split("=", 1)[0] for w in argv if w.startswith("--")):
            assert flag in known, f"`{' '.join(argv)}`: {words} has no flag {flag}"


def test_the_alertmanager_command_line_of_the_page_runs_the_rendered_configuration(tmp_path: Path) -> None:
    """The page's static spec, rendered; Debian's binary started with the page's ARGS (paths
    and port moved into the test's folder); `amtool config routes test` as the page runs it."""
    spec_text = re.search(r"^```yaml\n(discovery: static\n.*?)^```", PAGE, re.S | re.M).group(1)
    result = load_text("version: 1\nplatform: shop\n" + spec_text, environ={})
    assert result.spec is not None, [i.message for i in result.errors]
    rendered = tmp_path / "rendered"
    write_tree(rendered, render_tree(result.spec, RenderOptions(), ["alertmanager"]))
    port = free_port()
    moved = {RENDERED: str(rendered), "/var/lib/prometheus/alertmanager/": str(tmp_path / "data")}
    argv = ["/usr/bin/prometheus-alertmanager"]
    for arg in default_args()["prometheus-alertmanager"]:
        for old, new in moved.items():
            arg = arg.replace(old, new)
        argv.append(re.sub(r"^--web.listen-address=.*", f"--web.listen-address=127.0.0.1:{port}", arg))
    with open(tmp_path / "alertmanager.log", "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, proc=proc)
            status = httpx.get(f"http://127.0.0.1:{port}/api/v2/status", timeout=10).json()
            assert status["cluster"]["status"] == "disabled"  # --cluster.listen-address= : one instance
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    (routes,) = [c for c in shell_lines("amtool") if c[1:4] == ["config", "routes", "test"]]
    routes = [a.replace(RENDERED, str(rendered)) for a in routes]
    run = subprocess.run(routes, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "tenantwatch-engine"
