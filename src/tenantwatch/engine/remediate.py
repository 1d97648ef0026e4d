"""L1 auto-remediation from the engine's side: pick the spec's rules whose `match` labels all
equal an alert's labels, run them through a remediator, and record timeline + audit.

The action and its parameters come from the spec rule only; the alert's labels are handed to
the action's plan(), which validates whatever of them it uses. The guarded runner (rate limit,
circuit breaker) belongs to tenantwatch.remediation; `default_remediator` uses it when it is
there and otherwise plans and (unless dry-run) executes through the action registry.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sqlalchemy import select

from tenantwatch.engine.audit import record
from tenantwatch.engine.store.models import Alert, TimelineEvent
from tenantwatch.remediation.base import ACTIONS, Outcome
from tenantwatch.spec.actions import ACTION_PARAMS
from tenantwatch.spec.models import RemediationRule, Spec

if TYPE_CHECKING:
    from tenantwatch.engine.metrics import EngineMetrics
    from tenantwatch.engine.store import Store

log = logging.getLogger(__name__)
Remediator = Callable[[RemediationRule, str, Mapping[str, str]], Outcome]


def matching_rules(spec: Spec, labels: Mapping[str, str]) -> list[RemediationRule]:
    return [rule for rule in spec.remediation.rules if all(labels.get(k) == v for k, v in rule.match.items())]


def default_remediator(spec: Spec, clients: Mapping[str, Any] | None = None) -> Remediator:
    """Plan through the action registry; execute only when the spec turns dry-run off."""

    def run(rule: RemediationRule, tenant: str, labels: Mapping[str, str]) -> Outcome:
        action = ACTIONS.get(rule.action)
        if action is None:
            return Outcome(ok=False, detail=f"refused: action {rule.action!r} is not available", data={"refused": True})
        params = ACTION_PARAMS[rule.action].model_validate(rule.params)
        plan = action.plan(params, tenant, labels)
        if spec.remediation.dry_run:
            return Outcome(ok=True, detail=f"dry run: {plan.description}", dry_run=True)
        return action.execute(plan, clients or {})

    return run


def outcome_label(outcome: Outcome) -> str:
    if outcome.data.get("refused"):
        return "refused"
    if outcome.dry_run:
        return "dry_run"
    return "ok" if outcome.ok else "failed"


def remediate_incident(store: Store, spec: Spec, remediator: Remediator, incident_id: int, now: dt.datetime,
                       metrics: EngineMetrics | None = None) -> list[tuple[str, str]]:
    """Run every matching rule once for the incident's firing alerts; returns (action, outcome)."""
    with store.read() as session:
        alerts = session.scalars(select(Alert).where(Alert.incident_id == incident_id, Alert.status == "firing")
                                 .order_by(Alert.id)).all()
    chosen: dict[int, tuple[RemediationRule, Alert]] = {}
    for alert in alerts:
        for rule in matching_rules(spec, alert.labels):
            chosen.setdefault(id(rule), (rule, alert))
    done = []
    for rule, alert in chosen.values():
        try:
            outcome = remediator(rule, alert.tenant, alert.labels)
        except Exception as exc:  # a refused plan (bad label value) or a failing client
            outcome = Outcome(ok=False, detail=f"{type(exc).__name__}: {str(exc)[:200]}")
        label = outcome_label(outcome)
        with store.write() as session:
            session.add(TimelineEvent(incident_id=incident_id, at=now, kind="remediation", who="engine",
                                      detail=f"{rule.action}: {label}: {outcome.detail}"[:1000]))
            record(session, at=now, who="engine", tenant=alert.tenant, action="remediation",
                   detail={"incident": incident_id, "action": rule.action, "outcome": label, "detail": outcome.detail[:500]})
        if metrics is not None:
            metrics.remediations.labels(action=rule.action, outcome=label).inc()
        done.append((rule.action, label))
    return done
