"""Render: pure stages Spec -> {relative path: content}, one module per target.

A target registers itself with @target("name"); `render_tree` runs the ones asked for and
returns every file in memory, so nothing is written until every target succeeded.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from tenantwatch.registry import registrar
from tenantwatch.spec import Spec

Files = dict[str, str]
Renderer = Callable[[Spec, "RenderOptions"], Files]
TARGETS: dict[str, Renderer] = {}
TARGET_MODULES = ("prometheus", "alertmanager", "grafana")


@dataclass(frozen=True)
class RenderOptions:
    """How to render: `fast` scales windows down for demos and end-to-end tests; `spec_dir`
    is where relative paths of the spec (the user's rule files) are read from."""

    profile: str = "standard"
    include_secrets: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)
    spec_dir: Path = field(default_factory=Path.cwd)


class RenderError(Exception):
    """A spec that validates but cannot be rendered as asked (e.g. a secret that must stay out)."""


# @target("name") registers the renderer of one output subtree.
target = registrar(TARGETS, "render target")


def load_targets() -> dict[str, Renderer]:
    """The render targets in pipeline order (TARGET_MODULES), not in the order some earlier
    import happened to register them (messages and outputs list them the same every time)."""
    for module in TARGET_MODULES:
        importlib.import_module(f"tenantwatch.render.{module}")
    rank = {name: index for index, name in enumerate(TARGET_MODULES)}
    return dict(sorted(TARGETS.items(), key=lambda item: rank.get(item[0], len(rank))))


def render_tree(spec: Spec, options: RenderOptions, only: list[str] | None = None) -> dict[str, Files]:
    """{target: {path inside the target subtree: content}} for the targets asked for."""
    targets = load_targets()
    names = only or list(targets)
    unknown = [n for n in names if n not in targets]
    if unknown:
        raise RenderError(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(targets)}")
    return {name: targets[name](spec, options) for name in names}
