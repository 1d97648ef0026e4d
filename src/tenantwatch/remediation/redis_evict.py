"""Free Redis memory: delete keys matching the rule's glob pattern, at most max_keys per run.

SCAN walks the keyspace in batches without blocking the server (unlike KEYS), and UNLINK
frees memory in the background. The pattern comes from the spec; its one placeholder,
`{tenant}`, is replaced by the validated tenant id, so one shared Redis can hold per-tenant
prefixes (`{tenant}:cache:*`).
"""

from __future__ import annotations

from typing import Any

from tenantwatch.conventions import PLATFORM_TENANT
from tenantwatch.remediation.action import AllowlistedAction
from tenantwatch.remediation.base import Outcome, Plan, register
from tenantwatch.remediation.clients import REDIS
from tenantwatch.remediation.guard import PlanError

TENANT_PLACEHOLDER = "{tenant}"
SCAN_COUNT = 500


class RedisEvict(AllowlistedAction):
    name = "redis_evict"
    client = REDIS

    def describe(self, params: Any, tenant: str) -> tuple[dict[str, Any], str]:
        if tenant == PLATFORM_TENANT and TENANT_PLACEHOLDER in params.pattern:
            raise PlanError(f"pattern {params.pattern!r} names one tenant's keys; a shared service's alert has no tenant "
                            "to put there (give the rule a match on scope: tenant, or a pattern without {tenant})")
        pattern = params.pattern.replace(TENANT_PLACEHOLDER, tenant)
        return ({"pattern": pattern, "max_keys": params.max_keys},
                f"unlink keys matching {pattern!r} (at most {params.max_keys})")

    def act(self, plan: Plan, client: Any) -> Outcome:
        """`client` is the tenant's redis.Redis."""
        deleted = evict(client, plan.target["pattern"], plan.target["max_keys"])
        return Outcome(ok=True, detail=f"unlinked {deleted} key(s) matching {plan.target['pattern']!r}",
                       data={"deleted": deleted})

    def errors(self) -> tuple[type[BaseException], ...]:
        import redis

        return (redis.RedisError,)


def evict(client: Any, pattern: str, max_keys: int) -> int:
    """SCAN MATCH pattern + UNLINK in batches until the keyspace is walked or max_keys are gone."""
    deleted, cursor = 0, 0
    while True:
        cursor, keys = client.scan(cursor=cursor, match=pattern, count=min(SCAN_COUNT, max_keys))
        batch = keys[: max_keys - deleted]
        if batch:
            deleted += client.unlink(*batch)
        if cursor == 0 or deleted >= max_keys:
            return deleted


register(RedisEvict())
