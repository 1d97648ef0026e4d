"""The shape every built-in action shares, so each module holds only what is its own.

`plan()` validates the tenant and the spec's params and lets the action describe its target;
`execute()` fetches the tenant's client and turns the action's library errors into a failed
Outcome. Subclasses write `describe`, `act` and `errors`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from tenantwatch.remediation.base import Outcome, Plan
from tenantwatch.remediation.clients import ClientConfigError
from tenantwatch.remediation.failures import guarded
from tenantwatch.remediation.guard import checked_params, checked_tenant


class AllowlistedAction:
    name: ClassVar[str]
    client: ClassVar[str]  # key of the clients mapping (remediation.clients)

    def plan(self, params: Any, tenant: str, labels: Mapping[str, str]) -> Plan:
        """Pure: labels never reach the target, only the validated tenant id does."""
        tenant = checked_tenant(tenant)
        target, description = self.describe(checked_params(self.name, params), tenant)
        return Plan(action=self.name, tenant=tenant, target=target, description=description)

    def execute(self, plan: Plan, clients: Mapping[str, Any]) -> Outcome:
        def act() -> Outcome:
            factory = clients.get(self.client)
            if factory is None:
                raise ClientConfigError(f"no {self.client} client configured")
            return self.act(plan, factory(plan.tenant))

        return guarded(self.name, act, self.errors())

    def describe(self, params: Any, tenant: str) -> tuple[dict[str, Any], str]:
        """The plan's target (what execute needs) and its one-line audit description."""
        raise NotImplementedError

    def act(self, plan: Plan, client: Any) -> Outcome:
        raise NotImplementedError

    def errors(self) -> tuple[type[BaseException], ...]:
        """The client library's exceptions that mean "the action failed"."""
        raise NotImplementedError
