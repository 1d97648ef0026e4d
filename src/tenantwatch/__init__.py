"""tenantwatch: monitoring-as-code and an alert engine for multi-tenant platforms."""

__version__ = "0.1.0"
