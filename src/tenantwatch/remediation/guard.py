"""Validation that stands between alert labels and any target system.

An alert only chooses *which* spec rule runs and for *which tenant*; the tenant label is
accepted only as a DNS-1123 tenant id, and the action's parameters come from the spec,
validated against the allowlist's parameter model. Nothing else from the alert is used, and
an alert whose labels look like an injection attempt (quotes, shell metacharacters, control
or non-ASCII characters, `..` path segments, very long values) is not acted on at all: a
machine should not act on what may be a forged alert; a human is still paged.
"""

from __future__ import annotations

import re
import string
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from tenantwatch.conventions import PLATFORM_TENANT, TENANT
from tenantwatch.spec.actions import ACTION_PARAMS
from tenantwatch.spec.units import id_problem

MAX_SHOWN = 64  # how much of a refused label value an audit line repeats
MAX_LABEL_VALUE = 512
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# What a label value may hold for an alert to be acted on: what exporters and the rules put
# there (ids, host:port, paths, route templates, versions), nothing a shell, SQL or a label
# matcher would read as syntax.
PLAIN_CHARACTERS = frozenset(string.ascii_letters + string.digits + " _.:/@+=,{}[]*#~-")
PLAIN_SHOWN = "letters, digits, space and _ . : / @ + = , { } [ ] * # ~ -"
PATH_TRAVERSAL = re.compile(r"(?:^|/)\.\.(?:/|$)")


class PlanError(ValueError):
    """An action cannot be planned: bad tenant label or parameters. Safe to audit."""


def checked_tenant(value: object) -> str:
    """The tenant id if it is a valid one (DNS-1123 label, not reserved) or the platform (a
    shared service's alert: it acts on the shared deployment), else PlanError."""
    if not isinstance(value, str) or not value:
        raise PlanError(f"alert has no {TENANT!r} label")
    if value == PLATFORM_TENANT:
        return value
    if id_problem(value) is not None:  # DNS_LABEL is \Z-anchored: a trailing newline fails too
        shown = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
        raise PlanError(f"label {TENANT}={shown!r} refused: not a valid tenant id")
    return value


def label_problem(name: str, value: str) -> str | None:
    """Why a label makes an alert unfit to act on, or None. The reason names the offending
    character, never repeats the value (it may be a 10 kB payload)."""
    if not LABEL_NAME.fullmatch(name):
        return "its name is not a Prometheus label name"
    if len(value) > MAX_LABEL_VALUE:
        return f"its value has {len(value)} characters (at most {MAX_LABEL_VALUE})"
    odd = next((c for c in value if c not in PLAIN_CHARACTERS), None)
    if odd is not None:
        return f"its value contains {ascii(odd)} (accepted: {PLAIN_SHOWN})"
    if PATH_TRAVERSAL.search(value):
        return "its value contains a '..' path segment"
    return None


def screen_labels(labels: Mapping[str, str]) -> None:
    """PlanError naming the first label that is not plain (see label_problem)."""
    for name, value in labels.items():
        problem = label_problem(name, value)
        if problem is not None:
            shown = name if LABEL_NAME.fullmatch(name) else ascii(name[:MAX_SHOWN])
            raise PlanError(f"label {shown} refused: {problem}; no action runs for this alert")


def tenant_from_labels(labels: Mapping[str, str]) -> str:
    """The alert's tenant, validated before it can reach a namespace, DSN or key pattern."""
    return checked_tenant(labels.get(TENANT))


def checked_params(action: str, params: Mapping[str, Any] | BaseModel) -> Any:
    """The action's parameter model, validated; errors read `params.<field>: <message>`."""
    model = ACTION_PARAMS.get(action)
    if model is None:
        raise PlanError(f"unknown remediation action {action!r}; allowed: {', '.join(sorted(ACTION_PARAMS))}")
    if isinstance(params, model):
        return params
    source = params.model_dump() if isinstance(params, BaseModel) else params
    try:
        return model.model_validate(source)
    except ValidationError as exc:
        problems = "; ".join(
            f"params.{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise PlanError(problems) from None
