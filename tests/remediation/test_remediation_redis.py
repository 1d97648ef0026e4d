"""redis_evict against a real redis-server: matching keys go, others stay, max_keys holds."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tenantwatch.remediation import ACTIONS
from tenantwatch.remediation.clients import REDIS

evict = ACTIONS["redis_evict"]


def fill(client, prefix: str, count: int) -> None:
    client.mset({f"{prefix}{i}": b"x" * 64 for i in range(count)})


def test_deletes_matching_keys_and_keeps_the_rest(redis_db, data_clients):
    fill(redis_db, "cache:", 1200)
    fill(redis_db, "session:", 30)
    outcome = evict.execute(evict.plan({"pattern": "cache:*"}, "acme", {}), data_clients)

    assert outcome.ok, outcome.detail
    assert outcome.data == {"deleted": 1200}
    assert redis_db.keys("cache:*") == []
    assert len(redis_db.keys("session:*")) == 30


def test_max_keys_is_honoured(redis_db, data_clients):
    fill(redis_db, "cache:", 50)
    outcome = evict.execute(evict.plan({"pattern": "cache:*", "max_keys": 20}, "acme", {}), data_clients)
    assert outcome.data == {"deleted": 20}
    assert len(redis_db.keys("cache:*")) == 30


def test_tenant_placeholder_limits_eviction_to_the_alerting_tenant(redis_db, data_clients):
    fill(redis_db, "acme:cache:", 10)
    fill(redis_db, "globex:cache:", 10)
    plan = evict.plan({"pattern": "{tenant}:cache:*"}, "acme", {"tenant": "acme"})
    assert plan.target["pattern"] == "acme:cache:*"
    assert evict.execute(plan, data_clients).data == {"deleted": 10}
    assert redis_db.keys("acme:*") == []
    assert len(redis_db.keys("globex:*")) == 10


def test_unreachable_redis_is_a_failed_outcome(port):
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    outcome = evict.execute(evict.plan({"pattern": "cache:*"}, "acme", {}), {REDIS: lambda tenant: client})
    assert not outcome.ok and outcome.detail.startswith("redis_evict: ConnectionError")
