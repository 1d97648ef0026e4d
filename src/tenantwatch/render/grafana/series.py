"""The recording rules (and the few input metrics) the dashboards read, filtered by tenant.

Rule names come from tenantwatch.conventions, where the prometheus target takes them
from too, so a renamed rule fails the dashboards' tests instead of a user's dashboard.
"""

from __future__ import annotations

from tenantwatch import conventions as c

TENANT_FILTER = f'{c.TENANT}=~"$tenant"'


def _selector(name: str, extra: str) -> str:
    return f"{name}{{{TENANT_FILTER}{', ' + extra if extra else ''}}}"


def rec(prefix: str, suffix: str, extra: str = "") -> str:
    """`<metrics_prefix><suffix>{tenant=~"$tenant"}`, a recording rule of the prometheus target."""
    return _selector(c.recorded(prefix, suffix), extra)


def raw(metric: str, extra: str = "") -> str:
    """An input metric (docs/input-metrics.md) filtered to the chosen tenants."""
    return _selector(metric, extra)
