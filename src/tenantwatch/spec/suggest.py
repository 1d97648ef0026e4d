"""'Did you mean' for unknown keys: walk the model types along an error location."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel


def allowed_keys(root: Any, loc: tuple[object, ...]) -> list[str]:
    """The keys the model accepts at the parent of `loc` (empty when unknown)."""
    current = root
    for part in loc:
        current = strip_wrappers(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _field_by_key(current, part)
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            args = typing.get_args(current)
            current = args[-1]
        elif is_union(current):
            current = next((m for m in typing.get_args(current) if _tag(m) == part), None)
            if current is None:
                return []
        else:
            return []
    current = strip_wrappers(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def did_you_mean(word: str, choices: list[str]) -> str:
    """' (did you mean "x"?)' when a close choice exists, else ''."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _field_by_key(model: type[BaseModel], key: object):
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def strip_wrappers(tp: Any) -> Any:
    """Drop Annotated and Optional wrappers."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif is_union(tp):
            members = [m for m in typing.get_args(tp) if m is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _tag(model: Any) -> object:
    field = getattr(model, "model_fields", {}).get("type")
    return typing.get_args(field.annotation)[0] if field else None
