"""One wording for pydantic's errors, so the spec's messages read the same everywhere.

A secret never reaches a message: inputs are quoted only for fields that hold numbers,
durations, ratios or choices, never for free-text strings.
"""

from __future__ import annotations

from typing import Any

from tenantwatch.spec.suggest import did_you_mean


def describe(err: Any, choices: list[str] | None = None) -> str:
    """A short message for one pydantic error dict; `choices` are the keys allowed where an
    unknown key was found (for "did you mean")."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        return "unknown key" + did_you_mean(str(err["loc"][-1]), choices or [])
    if kind == "value_error":
        return str(ctx["error"])
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        if err["loc"] == ("version",):
            return f"unsupported spec version {value!r}; this tenantwatch reads version 1"
        allowed = [c.strip(" '") for c in ctx["expected"].replace(" or ", ",").split(",")]
        hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
        return f"expected {ctx['expected']}, got {value!r}{hint}"
    if kind == "union_tag_invalid":
        return f"unknown {ctx['discriminator'].strip(chr(39))} {ctx['tag']!r}; expected {ctx['expected_tags']}"
    if kind in ("float_parsing", "int_parsing", "float_type", "int_type"):
        return f"expected a number, got {value!r}"
    if kind in ("dict_type", "model_type"):
        return "expected a mapping of keys"
    if kind == "string_type" and err["loc"][-1] == "[key]":
        return f"a key must be text, got {value!r}; quote it in YAML"
    if kind == "string_type":
        return f"expected text, got {type(value).__name__}"  # never the value: text fields may hold secrets
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()))
        words = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than",
                 "less_than_equal": "at most"}
        return f"must be {words[kind]} {bound}, got {value!r}"
    if kind == "too_short":
        return "needs at least one entry"
    if kind == "list_type":
        return "expected a list"
    if kind.startswith(("datetime_", "date_")):
        return f"expected a date-time like 2026-12-05T22:00:00Z, got {value!r}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, got {value!r}"
    return err["msg"]
