"""docs/configuration.md cannot drift: its tables are the models', and its examples, taken
together, are a valid spec that uses every key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tenantwatch.spec import load_text
from tenantwatch.spec.reference import refresh, sections, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
NAMED = {"channels", "tiers", "services", "tenants", "slos"}  # mappings whose keys are the user's names


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def example(doc: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", doc, re.S):
        merged.update(yaml.safe_load(block))
    return merged


def test_tables_match_the_models(doc: str) -> None:
    assert refresh(doc) == doc, "run: python -m tenantwatch.spec.reference docs/configuration.md"


def test_every_top_level_key_has_a_table(doc: str) -> None:
    for section in sections():
        assert f"<!-- keys:{section} -->\n{table(section)}<!-- /keys -->" in doc


def test_the_examples_together_are_a_valid_spec_without_warnings(example: dict[str, Any]) -> None:
    result = load_text(yaml.safe_dump(example), environ={})
    assert result.spec is not None and result.issues == [], result.issues


def _paths(value: Any, path: str) -> Iterator[str]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            name = "<name>" if path in NAMED or path.endswith(".routes") else key
            if path.endswith(".objectives") and path != "objectives":
                continue  # tier and tenant objectives accept any key of `objectives`
            yield from _paths(item, f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, f"{path}[]")


def test_the_examples_use_every_documented_key(example: dict[str, Any]) -> None:
    documented = {
        re.sub(r" \((type|action): \w+\)$", "", row.split("`")[1])
        for section in sections() for row in table(section).splitlines()[2:]
    }
    documented = {p for p in documented if not p.endswith(".*")}
    assert documented - set(_paths(example, "")) == set()
