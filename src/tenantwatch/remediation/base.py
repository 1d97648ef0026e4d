"""The interface of allowlisted remediation actions and their registry.

An action is chosen by a spec rule (label matchers -> action + params), never built from
alert text. plan() is pure and validates everything that reaches the target system;
execute() acts, against clients the engine injects (so tests pass their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from tenantwatch.registry import registrar


@dataclass(frozen=True)
class Plan:
    """What an action would do, fully validated, printable in an audit log (no secrets)."""

    action: str
    tenant: str
    target: Mapping[str, Any]
    description: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str
    dry_run: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)


class Action(Protocol):
    name: str

    def plan(self, params: Any, tenant: str, labels: Mapping[str, str]) -> Plan: ...

    def execute(self, plan: Plan, clients: Mapping[str, Any]) -> Outcome: ...


ACTIONS: dict[str, Action] = {}
_add_action = registrar(ACTIONS, "remediation action")


def register(action: Action) -> Action:
    """Register an action under its name; names must match spec.actions.ACTION_PARAMS."""
    return _add_action(action.name)(action)
