"""Validation that stands between alert labels and any target system.

An alert only chooses *which* spec rule runs and for *which tenant*; the tenant label is
accepted only as a DNS-1123 tenant id, and the action's parameters come from the spec,
validated against the allowlist's parameter model. Nothing else from the alert is used.
"""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from tenantwatch.conventions import PLATFORM_TENANT, TENANT
from tenantwatch.spec.actions import ACTION_PARAMS
from tenantwatch.spec.units import DNS_LABEL, id_problem

MAX_SHOWN = 64  # how much of a refused label value an audit line repeats


class PlanError(ValueError):
    """An action cannot be planned: bad tenant label or parameters. Safe to audit."""


def checked_tenant(value: object) -> str:
    """The tenant id if it is a valid one (DNS-1123 label, not reserved) or the platform (a
    shared service's alert: it acts on the shared deployment), else PlanError."""
    if not isinstance(value, str) or not value:
        raise PlanError(f"alert has no {TENANT!r} label")
    if value == PLATFORM_TENANT:
        return value
    # fullmatch too: a `$`-anchored pattern would let a trailing newline through
    problem = id_problem(value) or (None if DNS_LABEL.fullmatch(value) else "not a DNS-1123 label")
    if problem is not None:
        shown = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
        raise PlanError(f"label {TENANT}={shown!r} refused: not a valid tenant id")
    return value


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
