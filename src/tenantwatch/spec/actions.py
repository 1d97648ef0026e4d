"""The allowlist of remediation actions and the parameters each one accepts.

The spec validates rules against it; the engine's remediation registry executes the same
names, so an action that validates is one the engine can run.
"""

from __future__ import annotations

from pydantic import Field

from tenantwatch.spec.models import Model
from tenantwatch.spec.units import PositiveDuration

K8S_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


class RestartDeployment(Model):
    """kubectl rollout restart, via the API: patch the pod template's restartedAt annotation."""

    deployment: str = Field(pattern=K8S_NAME, max_length=253)
    namespace: str | None = Field(None, pattern=K8S_NAME, max_length=63)


class ScaleDeployment(Model):
    """Add `step` replicas, never above max_replicas."""

    deployment: str = Field(pattern=K8S_NAME, max_length=253)
    namespace: str | None = Field(None, pattern=K8S_NAME, max_length=63)
    step: int = Field(1, ge=1, le=100)
    max_replicas: int = Field(10, ge=1)


class CancelSlowQueries(Model):
    """pg_cancel_backend (or pg_terminate_backend) on queries running longer than older_than."""

    older_than: PositiveDuration  # 0 would cancel every running query
    datname: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_$-]*$")
    terminate: bool = False


class RedisEvict(Model):
    """Delete keys matching a glob pattern, scanned in batches, at most max_keys per run."""

    pattern: str = Field(pattern=r"^[A-Za-z0-9:_\-\.\*\?\[\]{}]+$")
    max_keys: int = Field(10000, ge=1)


ACTION_PARAMS: dict[str, type[Model]] = {
    "restart_deployment": RestartDeployment,
    "scale_deployment": ScaleDeployment,
    "cancel_slow_queries": CancelSlowQueries,
    "redis_evict": RedisEvict,
}
