"""The recording rules (and the few input metrics) the dashboards read, by what they mean.

Names come from tenantwatch.conventions, the same place the prometheus target takes them
from, so a renamed rule breaks the dashboards' tests, not a user's dashboard.
"""

from __future__ import annotations

from tenantwatch import conventions as c

TENANT_FILTER = f'{c.TENANT}=~"$tenant"'


def by_service(prefix: str, metric: str, operation: str) -> str:
    """`<recording rule>{tenant=~"$tenant"}`: one series per tenant and service."""
    return f"{c.service_level(prefix, metric, operation)}{{{TENANT_FILTER}}}"


def by_tenant(prefix: str, metric: str, operation: str) -> str:
    return f"{c.tenant_level(prefix, metric, operation)}{{{TENANT_FILTER}}}"


def raw(metric: str, extra: str = "") -> str:
    """An input metric (CONTRACT.md §2) filtered to the chosen tenants."""
    return f"{metric}{{{TENANT_FILTER}{', ' + extra if extra else ''}}}"
