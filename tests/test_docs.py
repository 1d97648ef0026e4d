"""The docs cannot drift: every `tenantwatch ...` command they show exists (its --help runs and
its options are real), every spec snippet validates, every relative link resolves, and the
generated API reference matches the code."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any, Iterator

import pytest
import typer
import yaml
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from tenantwatch.cli import app
from tenantwatch.spec import Spec, load_text

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted(REPO.glob("docs/*.md")) + [REPO / name for name in ("README.md", "README.fr.md", "README.de.md")]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
COMMAND = re.compile(r"(?:^|\s|/)tenantwatch\s+([a-z][^\n]*)")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
SHELL_STOP = {"|", ">", ">>", "&&", ";", "||", "2>&1"}
REFERENCE_SPEC = REPO / "examples" / "platform.yaml"


def _code_texts(text: str) -> Iterator[str]:
    """Fenced blocks (any language but YAML), indented blocks and inline code spans."""
    for lang, body in FENCE.findall(text):
        if lang not in ("yaml", "yml", "mermaid"):
            yield body
    without_fences = FENCE.sub("", text)
    yield "\n".join(line[4:] for line in without_fences.splitlines() if line.startswith("    "))
    yield from INLINE.findall(without_fences)


def documented_commands() -> list[tuple[str, list[str]]]:
    """(doc file, argv after `tenantwatch`) of every command line shown in the docs."""
    found = []
    for doc in DOCS:
        for code in _code_texts(doc.read_text(encoding="utf-8")):
            for match in COMMAND.finditer(code):
                try:
                    tokens = shlex.split(match.group(1))
                except ValueError:
                    tokens = match.group(1).split()
                argv = []
                for token in tokens:
                    if token in SHELL_STOP:
                        break
                    argv.append(token.strip("[]()"))
                found.append((doc.name, argv))
    return found


def _resolve(argv: list[str]) -> tuple[list[str], Any]:
    """The (sub)command path an argv names, and its click command."""
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    for token in argv:
        subcommands = getattr(command, "commands", None)
        if not subcommands or token.startswith("-"):
            break
        assert token in subcommands, f"`tenantwatch {' '.join(path + [token])}` is not a command"
        command = subcommands[token]
        path.append(token)
    return path, command


COMMANDS = documented_commands()


def test_the_docs_show_commands():
    shown = {tuple(_resolve(argv)[0]) for _, argv in COMMANDS}
    assert {("demo",), ("render",), ("validate",), ("serve",), ("keys", "create")} <= shown


@pytest.mark.parametrize("path", sorted({" ".join(_resolve(argv)[0]) for _, argv in COMMANDS}))
def test_every_documented_command_runs_its_help(path):
    result = CliRunner().invoke(app, [*path.split(), "--help"], prog_name="tenantwatch")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.parametrize("doc, argv", COMMANDS, ids=[f"{d}:{' '.join(a)[:40]}" for d, a in COMMANDS])
def test_every_documented_option_exists(doc, argv):
    _, command = _resolve(argv)
    known = {opt for param in command.params for opt in getattr(param, "opts", [])} | {"--help"}
    used = {token.split("=", 1)[0] for token in argv if token.startswith("--")}
    assert used <= known, f"{doc}: `tenantwatch {' '.join(argv)}` uses unknown option(s) {sorted(used - known)}"


def spec_snippets() -> list[tuple[str, str]]:
    """YAML blocks whose top-level keys include a spec key: specs or spec fragments."""
    snippets = []
    for doc in DOCS:
        for lang, body in FENCE.findall(doc.read_text(encoding="utf-8")):
            if lang not in ("yaml", "yml"):
                continue
            data = yaml.safe_load(body)
            if isinstance(data, dict) and set(data) & set(Spec.model_fields):
                snippets.append((doc.name, body))
    return snippets


SNIPPETS = spec_snippets()


def test_the_docs_show_spec_snippets():
    assert len(SNIPPETS) >= 4


def _spec_errors(data: dict) -> list[str]:
    """A whole spec (with `version`) is checked as it is; a fragment as a change to the
    reference spec (its sections replace the reference's)."""
    if "version" not in data:
        data = {**yaml.safe_load(REFERENCE_SPEC.read_text(encoding="utf-8")), **data}
    result = load_text(yaml.safe_dump(data, sort_keys=False), environ={})
    return [f"{i.path}: {i.message}" for i in result.errors]


@pytest.mark.parametrize("doc, body", SNIPPETS, ids=[f"{d}:{i}" for i, (d, _) in enumerate(SNIPPETS)])
def test_every_spec_snippet_validates(doc, body):
    """Valid on its own, or together with the other snippets of its page (a page may build
    one spec section by section, as the configuration guide does)."""
    errors = _spec_errors(yaml.safe_load(body))
    if errors:
        page: dict = {}
        for other_doc, other in SNIPPETS:
            if other_doc == doc:
                page.update(yaml.safe_load(other))
        assert not _spec_errors(page), f"{doc}: " + "; ".join(errors)


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_relative_links_resolve(doc):
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (doc.parent / target).exists(), f"{doc.name}: link to missing {target}"


def _api_docs_generator():
    spec = importlib.util.spec_from_file_location("gen_api_docs", REPO / "scripts" / "gen_api_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_api_reference_is_up_to_date():
    module = _api_docs_generator()
    assert module.TARGET.read_text(encoding="utf-8") == module.generate(), \
        "docs/api-reference.md is out of date: run .venv/bin/python scripts/gen_api_docs.py"


def _rendered(markdown: str) -> str:
    """HTML as a GitHub-style renderer (CommonMark with tables) shows the Markdown."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_bars_in_the_api_reference_render_as_bars():
    """A `|` in a table cell is escaped once (`\\|`, which a table turns back into a bar even
    in code); in a paragraph it is left alone, where a backslash would show in code spans."""
    doc = {"info": {"title": "engine", "version": "1"}, "paths": {"/audit": {"get": {
        "summary": "Audit log as `json|jsonl`",
        "parameters": [{"name": "format", "in": "query", "schema": {"enum": ["json", "jsonl"]},
                        "description": "`a|b` or c"}],
        "responses": {"200": {"description": "page | stream"}}}}}}
    html = _rendered("\n".join(_api_docs_generator().http_section(doc)))
    assert "<code>json|jsonl</code>" in html
    assert "<td><code>json</code> | <code>jsonl</code></td>" in html
    assert "<td><code>a|b</code> or c</td>" in html
    assert "page | stream" in html
    assert "\\|" not in html
    assert "\\|" not in _rendered((REPO / "docs" / "api-reference.md").read_text(encoding="utf-8"))


# What users do not have: the project's internal notes and datasets outside the repository.
UNSHIPPED = re.compile(r"\.\./shared\b|\bshared/(?:datasets|examples)\b|\bCONTRACT\b|\bDESIGN\.md\b")
# docs/api-reference.md is generated from src/, which is checked (and it from src/).
USER_FACING = [d for d in DOCS if d.name != "api-reference.md"] + sorted(
    [*REPO.glob("src/**/*.py"), *REPO.glob("src/**/*.j2"), *REPO.glob("examples/*.yaml"), *REPO.glob("scripts/*")])


def test_nothing_users_read_points_at_files_they_do_not_have():
    """Docs, CLI help, docstrings and examples say things in their own words: no CONTRACT.md,
    DESIGN.md or ../shared (nor a dataset folder the repository does not ship)."""
    found = [f"{path.relative_to(REPO)}:{text[:m.start()].count(chr(10)) + 1}: {m.group()}"
             for path in USER_FACING if path.is_file()
             for text in [path.read_text(encoding="utf-8", errors="replace")] for m in UNSHIPPED.finditer(text)]
    assert not found, "points at files users do not have (say it in docs/ instead):\n" + "\n".join(found)
