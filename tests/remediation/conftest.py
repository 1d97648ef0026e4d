"""Fixtures for remediation tests: the fake Kubernetes API and clients for the real servers."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Any, Callable, Iterator

import pytest
import redis
from kube_recorder import KubeRecorder

from tenantwatch.remediation.clients import KUBERNETES, POSTGRES, REDIS, kubernetes_api, libpq_dsn


@pytest.fixture
def kube() -> Iterator[KubeRecorder]:
    """A recording Kubernetes API on 127.0.0.1; every deployment starts with 2 replicas."""
    recorder = KubeRecorder(replicas=2)
    with ThreadingHTTPServer(("127.0.0.1", 0), recorder.handler()) as server:
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        recorder.host = f"http://127.0.0.1:{server.server_address[1]}"
        yield recorder
        server.shutdown()
        serving.join(timeout=5)


@pytest.fixture
def kube_clients(kube) -> dict[str, Callable[[str], Any]]:
    api = kubernetes_api(kube.host)
    return {KUBERNETES: lambda tenant: api}


@pytest.fixture
def pg_dsn(postgres_url) -> str:
    return libpq_dsn(postgres_url)


@pytest.fixture
def redis_db(redis_url) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def data_clients(pg_dsn, redis_db) -> dict[str, Callable[[str], Any]]:
    """PostgreSQL and Redis clients for every tenant (one server each in tests)."""
    return {POSTGRES: lambda tenant: pg_dsn, REDIS: lambda tenant: redis_db}
