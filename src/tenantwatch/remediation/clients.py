"""The clients remediation actions act through, built from the environment.

`build_clients(environ)` returns a mapping of factories, each taking the (validated) tenant
id, so every tenant can have its own database and cache:

| key | factory returns | configured by |
|---|---|---|
| `kubernetes` | `kubernetes.client.AppsV1Api` | `TENANTWATCH_KUBE_HOST` (+ optional `TENANTWATCH_KUBE_TOKEN`), else in-cluster service account, else `~/.kube/config` (`KUBECONFIG`) |
| `postgres` | a libpq connection string | `TENANTWATCH_PG_DSN_<TENANT>`, else `TENANTWATCH_PG_DSN` |
| `redis` | `redis.Redis` | `TENANTWATCH_REDIS_URL_<TENANT>`, else `TENANTWATCH_REDIS_URL` |

`<TENANT>` is the tenant id upper-cased with `-` as `_` (tenant `acme-eu` ->
`TENANTWATCH_PG_DSN_ACME_EU`). Clients are built on first use, so a missing cluster or
variable fails only the action that needs it, with a message naming the variable.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any, Callable, Mapping

KUBERNETES = "kubernetes"
POSTGRES = "postgres"
REDIS = "redis"

KUBE_HOST_VAR = "TENANTWATCH_KUBE_HOST"
KUBE_TOKEN_VAR = "TENANTWATCH_KUBE_TOKEN"
PG_DSN_VAR = "TENANTWATCH_PG_DSN"
REDIS_URL_VAR = "TENANTWATCH_REDIS_URL"
SOCKET_TIMEOUT_SECONDS = 10.0

Clients = Mapping[str, Callable[[str], Any]]


class ClientConfigError(RuntimeError):
    """No client configuration for a tenant; names the variables to set, never a value."""


def tenant_variable(prefix: str, tenant: str) -> str:
    return f"{prefix}_{tenant.upper().replace('-', '_')}"


def per_tenant_setting(environ: Mapping[str, str], prefix: str, tenant: str) -> str:
    """The tenant's own setting, else the shared one."""
    value = environ.get(tenant_variable(prefix, tenant)) or environ.get(prefix)
    if not value:
        raise ClientConfigError(f"set {tenant_variable(prefix, tenant)} or {prefix} for tenant {tenant}")
    return value


def libpq_dsn(url: str) -> str:
    """Accept the SQLAlchemy spelling (`postgresql+psycopg://`) that the engine's --db uses."""
    for driver in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres+psycopg://"):
        if url.startswith(driver):
            return "postgresql://" + url[len(driver):]
    return url


def postgres_dsn_factory(environ: Mapping[str, str]) -> Callable[[str], str]:
    return lambda tenant: libpq_dsn(per_tenant_setting(environ, PG_DSN_VAR, tenant))


def redis_factory(environ: Mapping[str, str]) -> Callable[[str], Any]:
    @lru_cache(maxsize=None)
    def client_for(url: str) -> Any:
        import redis

        return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                    socket_connect_timeout=SOCKET_TIMEOUT_SECONDS)

    return lambda tenant: client_for(per_tenant_setting(environ, REDIS_URL_VAR, tenant))


def kubernetes_api(host: str, token: str | None = None) -> Any:
    """An AppsV1Api for an explicit API server URL (tests, or a proxy such as `kubectl proxy`)."""
    from kubernetes import client

    configuration = client.Configuration(host=host)
    if token:
        configuration.api_key = {"authorization": token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
    return client.AppsV1Api(client.ApiClient(configuration))


def kubernetes_factory(environ: Mapping[str, str]) -> Callable[[str], Any]:
    lock = threading.Lock()
    built: list[Any] = []

    def apps(tenant: str) -> Any:
        with lock:
            if not built:
                built.append(_load_kubernetes(environ))
            return built[0]

    return apps


def _load_kubernetes(environ: Mapping[str, str]) -> Any:
    from kubernetes import client, config

    if environ.get(KUBE_HOST_VAR):
        return kubernetes_api(environ[KUBE_HOST_VAR], environ.get(KUBE_TOKEN_VAR))
    if environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config()
    else:
        try:
            config.load_kube_config(config_file=environ.get("KUBECONFIG"))
        except Exception as exc:  # the library raises several unrelated types for "no config"
            raise ClientConfigError(f"no Kubernetes access: set {KUBE_HOST_VAR}, run in-cluster, or provide a kubeconfig "
                                    f"({type(exc).__name__})") from None
    return client.AppsV1Api()


def build_clients(environ: Mapping[str, str]) -> dict[str, Callable[[str], Any]]:
    """Factories for every client kind, reading settings from `environ` on first use."""
    return {KUBERNETES: kubernetes_factory(environ), POSTGRES: postgres_dsn_factory(environ), REDIS: redis_factory(environ)}
