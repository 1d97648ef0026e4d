"""Keep the valid parts of a section that failed validation, so cross-field checks still
see them and a user gets every problem in one run instead of one per fix.

A list that loses entries is shorter than the user's, so salvage also records where each
kept entry stood (`Moves`); `original_path` turns a check's path back into the user's
numbering (`escalation[2]` of the kept list is the `escalation[3]` the user wrote)."""

from __future__ import annotations

import functools
import re
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from tenantwatch.spec.issues import dotted

MISSING = object()
Moves = dict[str, list[int]]  # dotted path of a list that lost entries -> original index of each kept one


@functools.lru_cache(maxsize=None)
def adapter(tp: Any) -> TypeAdapter:
    return TypeAdapter(tp)


def salvage(tp: Any, value: Any, moves: Moves | None = None, loc: tuple[object, ...] = ()) -> Any:
    """The validated value, or its valid parts (entries, items, fields), or MISSING; `loc` is
    where `value` stands, so the lists that lose entries are recorded in `moves`.

    Entries of mappings and lists are kept whole or not at all: a half-kept entry (a window
    without its broken `start`) would make the cross-field checks report false problems."""
    try:
        return adapter(tp).validate_python(value)
    except ValidationError:
        pass
    base = typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp
    origin = typing.get_origin(base)
    if origin is dict and isinstance(value, dict):
        item_tp = typing.get_args(base)[1]
        kept = {k: _whole(item_tp, v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not MISSING}
    if origin is list and isinstance(value, list):
        item_tp = typing.get_args(base)[0]
        entries = [(i, v) for i, v in enumerate(_whole(item_tp, x) for x in value) if v is not MISSING]
        if moves is not None:
            moves[dotted(loc)] = [i for i, _ in entries]
        return [v for _, v in entries]
    if isinstance(base, type) and issubclass(base, BaseModel) and isinstance(value, dict):
        fields: dict[str, Any] = {}
        for name, field in base.model_fields.items():
            key = field.alias or name
            if key in value:
                got = salvage(field.rebuild_annotation(), value[key], moves, (*loc, key))
                if got is not MISSING:
                    fields[name] = got
                    continue
            if field.is_required():
                return MISSING
        return base.model_construct(**fields)
    return MISSING


def original_path(path: str, moves: Moves) -> str:
    """`path` with the index into a salvaged list replaced by the user's own index. Entries
    are kept whole, so at most one salvaged list lies on any path."""
    for prefix, kept in moves.items():
        if found := re.match(re.escape(prefix) + r"\[(\d+)\]", path):
            return f"{prefix}[{kept[int(found.group(1))]}]{path[found.end():]}"
    return path


def _whole(tp: Any, value: Any) -> Any:
    try:
        return adapter(tp).validate_python(value)
    except ValidationError:
        return MISSING
