"""plan() is pure and refuses anything that is not a valid tenant id or allowlisted params."""

from __future__ import annotations

import pytest

from tenantwatch.remediation import ACTIONS, PlanError
from tenantwatch.spec.actions import ACTION_PARAMS

GOOD_PARAMS = {
    "restart_deployment": {"deployment": "api"},
    "scale_deployment": {"deployment": "api", "step": 2, "max_replicas": 6},
    "cancel_slow_queries": {"older_than": "5m", "datname": "shop"},
    "redis_evict": {"pattern": "cache:*", "max_keys": 100},
}
HOSTILE_TENANTS = ["acme; DROP TABLE x", "acme' OR '1'='1", "$(reboot)", "acme\nfoo", "acme\n", "tenant-acme/../kube-system", ""]
HOSTILE_PARAMS = [
    ("restart_deployment", {"deployment": "api; kubectl delete ns prod"}),
    ("restart_deployment", {"deployment": "api", "namespace": "../kube-system"}),
    ("scale_deployment", {"deployment": "api", "step": 1000}),
    ("cancel_slow_queries", {"older_than": "5m", "datname": "shop'; DROP TABLE users; --"}),
    ("cancel_slow_queries", {"older_than": "5m; SELECT 1"}),
    ("redis_evict", {"pattern": "cache:* FLUSHALL"}),
    ("redis_evict", {"pattern": "cache:*\r\nFLUSHALL"}),
    ("redis_evict", {"pattern": "cache:*", "command": "FLUSHALL"}),
    ("redis_evict", {"pattern": "cache:*\n"}),
    ("restart_deployment", {"deployment": "api\n"}),
]


def test_every_allowlisted_action_is_registered():
    assert sorted(ACTIONS) == sorted(ACTION_PARAMS)


@pytest.mark.parametrize("action", sorted(GOOD_PARAMS))
@pytest.mark.parametrize("tenant", HOSTILE_TENANTS)
def test_hostile_tenant_is_refused(action, tenant):
    with pytest.raises(PlanError, match="tenant"):
        ACTIONS[action].plan(GOOD_PARAMS[action], tenant, {"tenant": tenant})


@pytest.mark.parametrize(("action", "params"), HOSTILE_PARAMS)
def test_params_outside_the_allowlist_model_are_refused(action, params):
    with pytest.raises(PlanError, match=r"^params\."):
        ACTIONS[action].plan(params, "acme", {})


@pytest.mark.parametrize("action", sorted(GOOD_PARAMS))
def test_plan_is_pure_and_ignores_label_text(action):
    quiet = ACTIONS[action].plan(GOOD_PARAMS[action], "acme", {"tenant": "acme"})
    noisy = ACTIONS[action].plan(GOOD_PARAMS[action], "acme", {"tenant": "acme", "pattern": "*", "deployment": "x",
                                                               "namespace": "kube-system", "datname": "postgres"})
    assert quiet == noisy
    assert quiet.tenant == "acme" and quiet.action == action and quiet.description
