"""The key reference of docs/configuration.md, generated from the models so it cannot drift.

`python -m tenantwatch.spec.reference docs/configuration.md` rewrites the generated tables
in place (between `<!-- keys:SECTION -->` and `<!-- /keys -->`); a test fails when the
file and the models disagree.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path
from typing import Any, Iterator

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tenantwatch.spec.actions import ACTION_PARAMS
from tenantwatch.spec.models import ObjectiveOverrides, Spec
from tenantwatch.spec.suggest import is_union, strip_wrappers
from tenantwatch.spec.units import format_duration, parse_duration, parse_ratio, parse_time_range

_BOUNDS = ((annotated_types.Gt, "gt", ">"), (annotated_types.Ge, "ge", "≥"),
           (annotated_types.Lt, "lt", "<"), (annotated_types.Le, "le", "≤"))
SECRET_TYPE = "secret (`env:NAME` or `file:/path`)"
_BLOCK = re.compile(r"(<!-- keys:(?P<section>[a-z_]+) -->\n).*?(<!-- /keys -->)", re.S)


def sections() -> list[str]:
    """The top-level keys, in model order."""
    return list(Spec.model_fields)


def table(section: str) -> str:
    """The markdown table of every key below one top-level key."""
    rows = ["| key | type | default |", "| --- | --- | --- |"]
    found = list(_rows(section, Spec.model_fields[section]))
    if section == "remediation":  # the parameters of each allowlisted action
        found += [(f"remediation.rules[].params.{name} (action: {action})", kind, default)
                  for action, model in ACTION_PARAMS.items()
                  for key, field in model.model_fields.items()
                  for name, kind, default in _rows(key, field)]
    rows += [f"| `{path}` | {kind} | {default} |" for path, kind, default in found]
    return "\n".join(rows) + "\n"


def refresh(text: str) -> str:
    """The document with every generated table replaced by the current one."""
    return _BLOCK.sub(lambda m: m.group(1) + table(m.group("section")) + m.group(3), text)


def _rows(path: str, field: FieldInfo) -> Iterator[tuple[str, str, str]]:
    annotation = field.rebuild_annotation()
    secret = (field.json_schema_extra or {}).get("sensitive") if isinstance(field.json_schema_extra, dict) else False
    yield path, SECRET_TYPE if secret else _type_name(annotation) + _bounds(annotation), _default(field, annotation)
    yield from _children(path, annotation)


def _children(path: str, annotation: Any) -> Iterator[tuple[str, str, str]]:
    core = strip_wrappers(annotation)
    if _model(core) is ObjectiveOverrides:
        yield f"{path}.*", "any key of `objectives`", "inherited"
        return
    if model := _model(core):
        for name, field in model.model_fields.items():
            yield from _rows(f"{path}.{field.alias or name}", field)
    elif typing.get_origin(core) is dict:
        yield from _children(f"{path}.<name>", typing.get_args(core)[1])
    elif typing.get_origin(core) is list:
        yield from _children(f"{path}[]", typing.get_args(core)[0])
    elif is_union(core):
        for member in typing.get_args(core):
            tag = typing.get_args(member.model_fields["type"].annotation)[0]
            for name, field in member.model_fields.items():
                if name != "type":
                    yield from _rows(f"{path}.{field.alias or name} (type: {tag})", field)


def _type_name(annotation: Any) -> str:
    unit = _unit(annotation)
    if unit is parse_duration:
        return "duration (`200ms`, `5m`, `1h`)"
    if unit is parse_ratio:
        return "percentage (`99.9%`) or ratio (0..1)"
    if unit is parse_time_range:
        return "time range (`02:00-03:30`)"
    if _is_secret(annotation):
        return SECRET_TYPE
    core = strip_wrappers(annotation)
    origin = typing.get_origin(core)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(core))
    if origin is list:
        return f"list of {_type_name(typing.get_args(core)[0])}"
    if origin is dict:
        return f"mapping of name to {_type_name(typing.get_args(core)[1])}"
    if _model(core) or is_union(core):
        return "mapping"
    names = {str: "text", int: "integer", float: "number", bool: "true/false", Any: "any value"}
    return names.get(core, getattr(core, "__name__", str(core)))


def _bounds(annotation: Any) -> str:
    """' (> 0, ≤ 100)' from the field's numeric constraints, also when nested in Optional."""
    found = []
    for meta in _metadata(annotation):
        for inner in (meta, *getattr(meta, "metadata", ())):
            found += [f"{sign} {getattr(inner, name):g}" for kind, name, sign in _BOUNDS if isinstance(inner, kind)]
    return f" ({', '.join(found)})" if found else ""


def _default(field: FieldInfo, annotation: Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if value is None or value in ([], {}, ""):
        return "—"
    if isinstance(value, BaseModel):
        return "see below"
    unit = _unit(annotation)
    if unit is parse_duration:
        whole_days = value >= 86400 and value % 86400 == 0
        return f"`{value / 86400:g}d`" if whole_days else f"`{format_duration(value)}`"
    if unit is parse_ratio:
        return f"`{value * 100:g}%`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if not isinstance(value, list) else "`[" + ", ".join(map(str, value)) + "]`"


def _metadata(annotation: Any) -> list[Any]:
    """Annotated metadata, looking through Optional."""
    if is_union(annotation):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        annotation = members[0] if len(members) == 1 else annotation
    return list(getattr(annotation, "__metadata__", ()))


def _unit(annotation: Any) -> Any:
    return next((getattr(m, "func", None) for m in _metadata(annotation) if hasattr(m, "func")), None)


def _is_secret(annotation: Any) -> bool:
    return any((getattr(m, "json_schema_extra", None) or {}).get("sensitive") for m in _metadata(annotation))


def _model(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(refresh(target.read_text(encoding="utf-8")), encoding="utf-8")
