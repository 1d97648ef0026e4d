"""Clients built from the environment: per-tenant settings first, then the shared one."""

from __future__ import annotations

import pytest

from tenantwatch.remediation import ACTIONS, build_clients
from tenantwatch.remediation.clients import KUBERNETES, POSTGRES, REDIS, ClientConfigError


def test_postgres_dsn_prefers_the_tenants_own_variable_and_accepts_sqlalchemy_urls():
    clients = build_clients({
        "TENANTWATCH_PG_DSN": "postgresql://shared@db/app",
        "TENANTWATCH_PG_DSN_ACME_EU": "postgresql+psycopg://acme@db/acme",
    })
    assert clients[POSTGRES]("acme-eu") == "postgresql://acme@db/acme"
    assert clients[POSTGRES]("globex") == "postgresql://shared@db/app"


def test_missing_setting_names_the_variables_to_set():
    with pytest.raises(ClientConfigError, match="set TENANTWATCH_REDIS_URL_GLOBEX or TENANTWATCH_REDIS_URL"):
        build_clients({})[REDIS]("globex")


def test_redis_client_from_the_environment_reaches_the_server(redis_url, redis_db):
    redis_db.set("cache:x", 1)
    clients = build_clients({"TENANTWATCH_REDIS_URL_ACME": redis_url})
    outcome = ACTIONS["redis_evict"].execute(ACTIONS["redis_evict"].plan({"pattern": "cache:*"}, "acme", {}), clients)
    assert outcome.ok and outcome.data == {"deleted": 1}
    other = ACTIONS["redis_evict"].execute(ACTIONS["redis_evict"].plan({"pattern": "cache:*"}, "globex", {}), clients)
    assert not other.ok and "TENANTWATCH_REDIS_URL_GLOBEX" in other.detail


def test_kubernetes_host_variable_points_the_official_client_at_a_server(kube):
    clients = build_clients({"TENANTWATCH_KUBE_HOST": kube.host, "TENANTWATCH_KUBE_TOKEN": "t0ken"})
    api = clients[KUBERNETES]("acme")
    assert clients[KUBERNETES]("globex") is api  # one client for the cluster
    restart = ACTIONS["restart_deployment"]
    assert restart.execute(restart.plan({"deployment": "api"}, "acme", {}), clients).ok
    assert kube.patches()[0].path.endswith("/namespaces/tenant-acme/deployments/api")


def test_no_kubernetes_configuration_is_a_clear_failure(tmp_path):
    clients = build_clients({"KUBECONFIG": str(tmp_path / "missing")})
    restart = ACTIONS["restart_deployment"]
    outcome = restart.execute(restart.plan({"deployment": "api"}, "acme", {}), clients)
    assert not outcome.ok and "set TENANTWATCH_KUBE_HOST" in outcome.detail
