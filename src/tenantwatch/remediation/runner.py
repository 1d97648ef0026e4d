"""Run the spec's remediation rules for one alert: select, plan, guard, act, report.

Guards, in order: the action is allowlisted; every label of the alert is plain (no quotes,
shell metacharacters, control or non-ASCII characters, `..` segments or huge values); the
plan validates (tenant label and params); the circuit breaker is closed (fewer than
`max_failures` consecutive failures for this tenant and rule); the rule's `max_per_hour` is not used up. Dry-run (the spec's
default) still plans, so the audit shows what would have happened. Every RunResult holds
what the engine audits; `escalate` tells it to stop automating and page a human.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping

from tenantwatch.remediation.base import ACTIONS, Action, Outcome, Plan
from tenantwatch.remediation.guard import PlanError, screen_labels, tenant_from_labels
from tenantwatch.remediation.history import History
from tenantwatch.secrets import error_origin
from tenantwatch.spec.models import Remediation, RemediationRule

log = logging.getLogger(__name__)

RATE_WINDOW = dt.timedelta(hours=1)
DEFAULT_BREAKER_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class RunResult:
    """One rule's run for one alert: planned, refused, dry-run or executed."""

    rule_index: int
    action: str
    tenant: str | None
    plan: Plan | None
    outcome: Outcome | None
    dry_run: bool
    refused: str | None = None
    escalate: bool = False

    @property
    def status(self) -> str:
        """ok | failed | dry_run | refused (the `outcome` label of tenantwatch_remediations_total)."""
        if self.refused is not None:
            return "refused"
        if self.dry_run:
            return "dry_run"
        return "ok" if self.outcome is not None and self.outcome.ok else "failed"

    def audit(self) -> dict[str, Any]:
        """A JSON-ready record for the audit log and the incident timeline (no secrets)."""
        return {
            "rule_index": self.rule_index, "action": self.action, "tenant": self.tenant, "status": self.status,
            "plan": self.plan.description if self.plan else None,
            "target": dict(self.plan.target) if self.plan else None,
            "outcome": self.outcome.detail if self.outcome else None,
            "data": dict(self.outcome.data) if self.outcome else None,
            "dry_run": self.dry_run, "refused": self.refused, "escalate": self.escalate,
        }


def trailing_failures(attempts: list[tuple[dt.datetime, bool]]) -> int:
    """How many attempts failed in a row, counting back from the latest."""
    count = 0
    for _, ok in sorted(attempts, key=lambda attempt: attempt[0], reverse=True):
        if ok:
            break
        count += 1
    return count


class RemediationRunner:
    """Executes `spec.remediation` rules against injected clients, clock and history."""

    def __init__(
        self,
        remediation: Remediation,
        clients: Mapping[str, Callable[[str], Any]],
        clock: Callable[[], dt.datetime],
        history: History,
        *,
        tenants: Collection[str] | None = None,
        breaker_window: dt.timedelta = DEFAULT_BREAKER_WINDOW,
        actions: Mapping[str, Action] = ACTIONS,
    ) -> None:
        self.remediation = remediation
        self.clients = clients
        self.clock = clock
        self.history = history
        self.tenants = frozenset(tenants) if tenants is not None else None
        self.breaker_window = breaker_window
        self.actions = actions

    def select(self, labels: Mapping[str, str]) -> list[tuple[int, RemediationRule]]:
        """The rules whose every `match` label equals the alert's."""
        return [(index, rule) for index, rule in enumerate(self.remediation.rules)
                if all(labels.get(name) == value for name, value in rule.match.items())]

    def run(self, labels: Mapping[str, str], *, dry_run: bool | None = None) -> list[RunResult]:
        """Run every matching rule; `dry_run` None means the spec's setting."""
        return [self.run_rule(index, labels, dry_run=dry_run) for index, _ in self.select(labels)]

    def run_rule(self, index: int, labels: Mapping[str, str], *, dry_run: bool | None = None) -> RunResult:
        """Run one rule (by its index in the spec) for an alert, whether or not it matches."""
        effective = self.remediation.dry_run if dry_run is None else dry_run
        return self._run_rule(index, self.remediation.rules[index], labels, effective)

    def as_remediator(self) -> Callable[[RemediationRule, str, Mapping[str, str]], Outcome]:
        """The runner as a `(rule, tenant, labels) -> Outcome` callable, for callers that loop over
        rules themselves: a refusal is a failed Outcome with data["refused"]; data["escalate"] says
        the breaker is open. The tenant still comes from the validated `tenant` label."""

        def remediate(rule: RemediationRule, tenant: str, labels: Mapping[str, str]) -> Outcome:
            result = self.run_rule(self.remediation.rules.index(rule), labels)
            extra = {"escalate": result.escalate, "plan": result.plan.description if result.plan else None}
            if result.refused is not None:
                return Outcome(ok=False, detail=f"refused: {result.refused}", dry_run=result.dry_run,
                               data={"refused": True, **extra})
            assert result.outcome is not None
            return Outcome(ok=result.outcome.ok, detail=result.outcome.detail, dry_run=result.outcome.dry_run,
                           data={**result.outcome.data, **extra})

        return remediate

    def _run_rule(self, index: int, rule: RemediationRule, labels: Mapping[str, str], dry_run: bool) -> RunResult:
        def refuse(reason: str, tenant: str | None = None, plan: Plan | None = None, escalate: bool = False) -> RunResult:
            log.warning("remediation rule %d (%s) refused: %s", index, rule.action, reason)
            return RunResult(index, rule.action, tenant, plan, None, dry_run, refused=reason, escalate=escalate)

        action = self.actions.get(rule.action)
        if action is None:
            return refuse(f"action {rule.action!r} is not registered")
        try:
            screen_labels(labels)
            tenant = tenant_from_labels(labels)
            if self.tenants is not None and tenant not in self.tenants:
                raise PlanError(f"tenant {tenant!r} is not in the spec")
            plan = action.plan(rule.params, tenant, labels)
        except ValueError as exc:  # PlanError, or a validation error from a third-party action
            return refuse(str(exc))

        now = self.clock()
        failures = trailing_failures(self.history.attempts(tenant, index, now - self.breaker_window))
        if failures >= self.remediation.max_failures:
            return refuse(f"circuit open: the last {failures} attempts failed (max_failures "
                          f"{self.remediation.max_failures}); escalate to a human", tenant, plan, escalate=True)
        recent = len(self.history.attempts(tenant, index, now - RATE_WINDOW))
        if recent >= rule.max_per_hour:
            return refuse(f"rate limit: {recent} attempts in the last hour (max_per_hour {rule.max_per_hour})",
                          tenant, plan)
        if dry_run:
            return RunResult(index, rule.action, tenant, plan,
                             Outcome(ok=True, detail=f"dry run, nothing changed: would {plan.description}", dry_run=True),
                             dry_run=True)

        outcome = self._execute(action, plan)
        self.history.record(tenant, index, now, outcome.ok)
        opened = not outcome.ok and failures + 1 >= self.remediation.max_failures
        log.info("remediation %s for tenant %s: %s (%s)", rule.action, tenant, "ok" if outcome.ok else "failed", outcome.detail)
        return RunResult(index, rule.action, tenant, plan, outcome, dry_run=False, escalate=opened)

    def _execute(self, action: Action, plan: Plan) -> Outcome:
        try:
            return action.execute(plan, self.clients)
        except Exception as exc:  # an action bug must be audited as a failure, not crash the engine
            log.error("remediation %s raised %s", plan.action, error_origin(exc))
            return Outcome(ok=False, detail=f"{plan.action} raised {type(exc).__name__}")
