"""Guarded auto-remediation: allowlisted actions (one module each, registered in ACTIONS at
import) and the runner that applies the spec's rules with dry-run, rate limit and breaker.
"""

from tenantwatch.remediation import cancel_slow_queries, redis_evict, restart_deployment, scale_deployment  # noqa: F401
from tenantwatch.remediation.base import ACTIONS, Action, Outcome, Plan, register
from tenantwatch.remediation.clients import build_clients
from tenantwatch.remediation.guard import PlanError
from tenantwatch.remediation.history import History, InMemoryHistory
from tenantwatch.remediation.runner import RemediationRunner, RunResult

__all__ = ["ACTIONS", "Action", "History", "InMemoryHistory", "Outcome", "Plan", "PlanError", "RemediationRunner",
           "RunResult", "build_clients", "register"]
