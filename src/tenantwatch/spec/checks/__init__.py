"""Cross-field checks over the sections that parsed: references, cycles, ids, order, units.

One module per part of the spec; importing them registers their checks.
"""

from tenantwatch.spec.checks import alerting, objectives, scale_out, services, settings, slos, tenants  # noqa: F401  (registration)
from tenantwatch.spec.checks.registry import run_checks

__all__ = ["run_checks"]
