#!/usr/bin/env python3
"""Writes docs/api-reference.md from the engine's own OpenAPI document and the CLI's own
help (the same strings `--help` prints), so the reference cannot drift from the code.

    .venv/bin/python scripts/gen_api_docs.py           # rewrite docs/api-reference.md
    .venv/bin/python scripts/gen_api_docs.py --check   # exit 1 if it is out of date (CI)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import typer

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "docs" / "api-reference.md"
METHODS = ("get", "post", "put", "patch", "delete")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the engine app, built on a throwaway SQLite store."""
    from tenantwatch.engine.app import create_app
    from tenantwatch.engine.config import EngineConfig
    from tenantwatch.engine.server import load_engine_spec
    from tenantwatch.engine.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/openapi.db")
        try:
            return create_app(EngineConfig(spec=load_engine_spec(None)), store, run_scheduler=False).openapi()
        finally:
            store.engine.dispose()


def _schema_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_schema_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f"`{v}`" for v in schema["enum"])  # escaped by _cell in a table only
    if schema.get("type") == "array":
        return f"array of {_schema_type(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def _flat(text: object) -> str:
    """Text on one line (help and descriptions may wrap)."""
    return " ".join(str(text).split())


def _cell(text: object) -> str:
    """A table cell: `|` would end the cell, so it is escaped once as `\\|`, which GitHub's
    Markdown turns back into a bar, even inside a code span. Only cells are escaped: in a
    paragraph the backslash would show inside code spans."""
    return _flat(text).replace("|", "\\|")


def http_section(doc: dict[str, Any]) -> Iterator[str]:
    yield "## HTTP API"
    yield ""
    yield (f"{doc['info']['title']} {doc['info']['version']}: {doc['info'].get('description', '')} "
           "Send `Authorization: Bearer <key>` (see `tenantwatch keys create`); errors are "
           '`{"error": {"code": ..., "message": ...}}`. The live document is at `/openapi.json` and `/docs`.')
    yield ""
    for path in sorted(doc["paths"]):
        for method in METHODS:
            op = doc["paths"][path].get(method)
            if op is None:
                continue
            yield f"### {method.upper()} `{path}`"
            yield ""
            yield _flat(op.get("summary", ""))
            if op.get("description"):
                yield ""
                yield op["description"].strip()
            params = op.get("parameters", [])
            if params:
                yield ""
                yield "| parameter | in | required | type | description |"
                yield "|---|---|---|---|---|"
                for p in params:
                    yield (f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | "
                           f"{_cell(_schema_type(p.get('schema', {})))} | {_cell(p.get('description', ''))} |")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                yield ""
                yield f"Request body ({media}): {_flat(_schema_type(content.get('schema', {})))}"
            yield ""
            yield "Responses: " + ", ".join(f"`{code}` {_flat(r.get('description', ''))}" for code, r in sorted(op.get("responses", {}).items()))
            yield ""


def _commands(group: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every (sub)command under a click group (typer builds click objects), by name."""
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        yield f"{prefix} {name}", command
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix} {name}")


def _is_option(param: Any) -> bool:
    return param.param_type_name == "option"


def _option_default(param: Any) -> str:
    if param.required:
        return "required"
    if _is_option(param) and (param.is_flag or param.default is None or param.default is False):
        return ""
    return f"`{param.default}`"


def cli_section() -> Iterator[str]:
    from tenantwatch.cli import app

    root = typer.main.get_command(app)
    yield "## Command line"
    yield ""
    yield _flat(root.help or "")
    yield ""
    for name, command in _commands(root, "tenantwatch"):
        yield f"### `{name}`"
        yield ""
        if command.help:
            yield command.help.strip()
            yield ""
        params = [p for p in command.params if p.name != "help"]
        if params:
            yield "| argument / option | default | description |"
            yield "|---|---|---|"
            for p in params:
                label = ", ".join(f"`{o}`" for o in p.opts) if _is_option(p) else f"`{p.metavar or p.name.upper()}`"
                yield f"| {label} | {_option_default(p)} | {_cell(getattr(p, 'help', '') or '')} |"
            yield ""


def generate() -> str:
    lines = ["# API reference", "",
             "Generated by `scripts/gen_api_docs.py` from the engine's OpenAPI document and the CLI's own help; "
             "do not edit by hand (`tests/test_docs.py` fails when it is out of date).", ""]
    lines += list(cli_section())
    lines += list(http_section(openapi_document()))
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date; write nothing")
    args = parser.parse_args()
    text = generate()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(REPO)} is out of date: run .venv/bin/python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
