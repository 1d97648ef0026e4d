"""Keep the valid parts of a section that failed validation, so cross-field checks still
see them and a user gets every problem in one run instead of one per fix."""

from __future__ import annotations

import functools
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

MISSING = object()


@functools.lru_cache(maxsize=None)
def adapter(tp: Any) -> TypeAdapter:
    return TypeAdapter(tp)


def salvage(tp: Any, value: Any) -> Any:
    """The validated value, or its valid parts (entries, items, fields), or MISSING.

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
        return [v for v in (_whole(item_tp, x) for x in value) if v is not MISSING]
    if isinstance(base, type) and issubclass(base, BaseModel) and isinstance(value, dict):
        fields: dict[str, Any] = {}
        for name, field in base.model_fields.items():
            key = field.alias or name
            if key in value:
                got = salvage(field.rebuild_annotation(), value[key])
                if got is not MISSING:
                    fields[name] = got
                    continue
            if field.is_required():
                return MISSING
        return base.model_construct(**fields)
    return MISSING


def _whole(tp: Any, value: Any) -> Any:
    try:
        return adapter(tp).validate_python(value)
    except ValidationError:
        return MISSING
