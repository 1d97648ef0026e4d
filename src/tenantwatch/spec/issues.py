"""Issue(level, path, message): what validation reports, one line per problem."""

from __future__ import annotations

import json
from typing import Iterable, Literal, NamedTuple

Level = Literal["error", "warning"]


class Issue(NamedTuple):
    level: Level
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.level}: {self.path or '<root>'}: {self.message}{where}"


def dotted(loc: Iterable[object]) -> str:
    """A pydantic/YAML location as a dotted path: ('tenants', 'acme', 0) -> tenants.acme[0];
    an empty key shows as "" so that it is still seen, and a key with a newline or another
    control character in JSON quotes (tenants["acme\\n"]), so that every problem stays one line."""
    out = ""
    for part in loc:
        name = str(part) if part != "" else '""'
        if isinstance(part, int):
            out += f"[{part}]"
        elif not name.isprintable():
            out += f"[{json.dumps(name)}]"
        else:
            out += f".{name}" if out else name
    return out


class SpecError(Exception):
    """Raised when a spec has errors; carries every issue found."""

    def __init__(self, issues: list[Issue]):
        super().__init__("\n".join(map(str, issues)))
        self.issues = issues
