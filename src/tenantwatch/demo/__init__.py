"""`tenantwatch demo`: the whole loop on one machine (simulator, real Prometheus and
Alertmanager, the engine on SQLite, a recording Slack), started and stopped as one Stack."""

from tenantwatch.demo.stack import Stack, StackError

__all__ = ["Stack", "StackError"]
