"""YAML reading that keeps line numbers and refuses duplicate keys (PyYAML silently keeps the last)."""

from __future__ import annotations

from typing import Any

import yaml

from tenantwatch.spec.issues import Issue, dotted

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


MAX_VALUES = 1_000_000  # far above a 100 000-tenant spec; stops an alias bomb from expanding forever
MAX_DEPTH = 64  # a spec is about 6 levels deep


class YamlDocument:
    """The plain data of a YAML file plus the line of every path in it."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        self.issues: list[Issue] = []
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
            self.issues.append(Issue("error", "<yaml>", f"invalid YAML at {where}: {exc.problem or exc}"))
            self.data: Any = None
            return
        self._loader = loader
        self.data = None
        if node is not None and (problem := _expansion_problem(node)):
            self.issues.append(Issue("error", "<yaml>", problem))
        elif node is not None:
            self.data = self._build(node, ())

    def line_of(self, loc: tuple[object, ...]) -> int | None:
        """The line of the deepest known prefix of a location."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(dotted(loc[:end]))
            if line:
                return line
        return None

    def line_of_path(self, path: str) -> int | None:
        """The line of the deepest known prefix of a dotted path (`a.b[0].c`)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[: max(path.rfind("."), path.rfind("["), 0)]
        return None

    def _build(self, node: yaml.Node, loc: tuple[object, ...]) -> Any:
        self.lines.setdefault(dotted(loc), node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self._loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._loader.construct_object(key_node, deep=True)
                if key in out:
                    self.issues.append(Issue("error", dotted((*loc, key)), "duplicate key", key_node.start_mark.line + 1))
                self.lines[dotted((*loc, key))] = key_node.start_mark.line + 1
                out[key] = self._build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self._loader.construct_object(node, deep=True)


def _expansion_problem(root: yaml.Node) -> str | None:
    """Why the document cannot be expanded (an alias that contains itself, nesting deeper
    than any spec, or aliases repeated into more than MAX_VALUES values); each node is
    counted once, so the check itself stays fast."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in in_progress:
            raise _Unexpandable("an alias refers to a node that contains it (a recursive structure cannot be a spec)")
        if depth > MAX_DEPTH:
            raise _Unexpandable(f"values are nested more than {MAX_DEPTH} levels deep")
        in_progress.add(id(node))
        children = ([v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        sizes[id(node)] = 1 + sum(size(child, depth + 1) for child in children)
        in_progress.discard(id(node))
        return sizes[id(node)]

    try:
        total = size(root, 0)
    except _Unexpandable as exc:
        return str(exc)
    return f"the document expands to {total:,} values, more than {MAX_VALUES:,} (aliases repeated too often?)" if total > MAX_VALUES else None


class _Unexpandable(Exception):
    pass
