"""The registry of cross-field checks, and the helpers every check words its issues with.

Each check takes the parsed sections it needs and yields Issues; a check whose sections
failed to parse is skipped, so one bad section never hides the problems of another.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from tenantwatch.spec.issues import Issue, dotted
from tenantwatch.spec.suggest import did_you_mean

Sections = dict[str, Any]
Check = Callable[[Sections], Iterator[Issue]]
_CHECKS: list[tuple[tuple[str, ...], Check]] = []


def check(*needs: str) -> Callable[[Check], Check]:
    """Register a check that runs when all the sections it needs parsed."""

    def register(fn: Check) -> Check:
        _CHECKS.append((needs, fn))
        return fn

    return register


def run_checks(sections: Sections, declared: dict[str, set[str]] | None = None) -> list[Issue]:
    """Every check whose sections parsed. `declared` holds the names written in the file,
    so an entry that failed validation is still known to references (no second, false error)."""
    sections = {**sections, "declared": declared or {}}
    return [issue for needs, fn in _CHECKS if all(n in sections for n in needs) for issue in fn(sections)]


def names(s: Sections, section: str) -> list[str]:
    """Names of a mapping section, including entries that failed validation."""
    return list(s["declared"].get(section) or s.get(section) or [])


def error(path: tuple[object, ...], message: str) -> Issue:
    return Issue("error", dotted(path), message)


def warning(path: tuple[object, ...], message: str) -> Issue:
    return Issue("warning", dotted(path), message)


def unknown(kind: str, name: str, known: list[str]) -> str:
    return f"unknown {kind} {name!r}" + did_you_mean(name, known)
