"""Spec loading: YAML -> per-section validation -> cross-field checks -> one frozen Spec.

Sections are validated one by one so that every problem is reported in one run, and the
cross-field checks still run on the sections that did parse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from tenantwatch.spec.checks import run_checks
from tenantwatch.spec.issues import Issue, SpecError, dotted
from tenantwatch.spec.models import CHANNEL_TYPES, Spec
from tenantwatch.spec.salvage import MISSING, Moves, adapter, original_path, salvage
from tenantwatch.spec.messages import describe
from tenantwatch.spec.suggest import allowed_keys, did_you_mean
from tenantwatch.spec.yamlsource import YamlDocument

EXTENSION_PREFIX = "x-"  # top-level keys for the user's own use, e.g. to hold YAML anchors
_ADAPTERS = {name: adapter(f.rebuild_annotation()) for name, f in Spec.model_fields.items()}


@dataclass
class LoadResult:
    spec: Spec | None
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]


def load_text(text: str, environ: Mapping[str, str] | None = None) -> LoadResult:
    """Validate spec text; `spec` is None when there is any error."""
    environ = os.environ if environ is None else environ
    doc = YamlDocument(text)
    if doc.issues:
        return LoadResult(None, doc.issues)
    raw = doc.data
    if not isinstance(raw, dict):
        return LoadResult(None, [Issue("error", "<root>", "the spec must be a mapping of keys (see examples/platform.yaml)")])
    if environ.get("MONITORING_ENV"):
        raw = {**raw, "environment": environ["MONITORING_ENV"]}
    issues: list[Issue] = []
    parsed: dict[str, Any] = {}
    moves: Moves = {}
    for key in raw:
        if key not in _ADAPTERS and not str(key).startswith(EXTENSION_PREFIX):
            issues.append(Issue("error", str(key), "unknown key" + did_you_mean(str(key), list(_ADAPTERS)), doc.line_of((key,))))
    for name, adapter in _ADAPTERS.items():
        if name not in raw:
            if Spec.model_fields[name].is_required():
                issues.append(Issue("error", name, "required key is missing"))
            else:
                parsed[name] = Spec.model_fields[name].get_default(call_default_factory=True)
            continue
        try:
            parsed[name] = adapter.validate_python(raw[name])
        except ValidationError as exc:
            issues.extend(_issues_from(exc, (name,), doc))
            if (kept := salvage(Spec.model_fields[name].rebuild_annotation(), raw[name], moves, (name,))) is not MISSING:
                parsed[name] = kept
    declared = {k: set(v) for k, v in raw.items() if isinstance(v, dict)}
    for issue in run_checks(parsed, declared):
        path = original_path(issue.path, moves)
        issues.append(Issue(issue.level, path, issue.message, issue.line or doc.line_of_path(path)))
    spec = None
    if not any(i.level == "error" for i in issues) and len(parsed) == len(_ADAPTERS):
        spec = Spec.model_construct(**parsed)
    return LoadResult(spec, issues)


def load_file(path: str | Path, environ: Mapping[str, str] | None = None) -> LoadResult:
    """Validate a spec file; an unreadable file is reported as an issue, not raised."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(None, [Issue("error", str(path), f"cannot read the spec: {exc.strerror or exc}")])
    return load_text(text, environ)


def load_spec(path: str | Path, environ: Mapping[str, str] | None = None) -> Spec:
    """The Spec of a file, or SpecError with every error found."""
    result = load_file(path, environ)
    if result.spec is None:
        raise SpecError(result.errors)
    return result.spec


def _issues_from(exc: ValidationError, prefix: tuple[object, ...], doc: YamlDocument) -> list[Issue]:
    out = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        choices = allowed_keys(Spec, loc[:-1]) if err["type"] == "extra_forbidden" else None
        message = describe({**err, "loc": loc}, choices)
        if loc[-1] == "[key]":  # pydantic's marker for a bad mapping key: report it at the key
            loc = loc[:-1]
        out.append(Issue("error", _public_path(loc), message, doc.line_of(loc)))
    return out


def _public_path(loc: tuple[object, ...]) -> str:
    """Drop the union tag pydantic inserts into paths of discriminated unions (channels)."""
    if len(loc) >= 3 and loc[0] == "channels" and loc[2] in CHANNEL_TYPES:
        loc = (*loc[:2], *loc[3:])
    return dotted(loc)
