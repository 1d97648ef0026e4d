"""Alert definitions of the datastores: PostgreSQL (postgres_exporter), Redis (redis_exporter)
and Kafka (kafka_exporter), read from the recording rules under the exporters' own names.

Most platforms share these between tenants, so every definition also judges series without
a tenant (one alert as tenant="platform", scope="shared").
"""

from __future__ import annotations

from tenantwatch import conventions as c
from tenantwatch.render.prometheus.alertdef import AlertDef
from tenantwatch.render.prometheus.catalog_kinds import DUR, PCT, TS
from tenantwatch.render.prometheus.probes import Level, Usage
from tenantwatch.render.prometheus.probes_shaped import GaugeStep
from tenantwatch.render.prometheus.recording import Recorder, services_of

STORE = {"board": "infrastructure", "shared_too": True}


def _down(name: str, kind: str, metric: str, signal: str, what: str) -> AlertDef:
    """The exporter answers but reports its server unreachable (pg_up / redis_up = 0)."""
    return AlertDef(
        name, "availability", "critical", signal, TS,
        f"{{service}} ({what}) is down for tenant {{tenant}}",
        f"The {what} server behind {{service}} for tenant {{tenant}} does not answer its exporter ({metric} = {{value}}).",
        Level(metric), op="<", threshold=0.5, bad=0.0, good=1.0, kind=kind, hold=60, **STORE,
    )


def postgres_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "postgres"):
        return []
    db = {"datname": "app", "state": "active"}
    return [
        _down(c.ALERT_PG_DOWN, "postgres", "pg_up", r.name(c.PG_UP), "PostgreSQL"),
        AlertDef(
            c.ALERT_PG_CONNECTIONS, "database", "critical", r.name(c.PG_CONNECTIONS_RATIO), TS,
            "{service} connections near max_connections for tenant {tenant}",
            "{service} for tenant {tenant} uses {value} of max_connections; objective {objective}.",
            Usage("pg_stat_activity_count", "pg_settings_max_connections", usage_extra=db, capacity=100),
            objective="connection_usage", cap=1.0, formats=PCT, kind="postgres", hold=300, **STORE,
        ),
        AlertDef(
            c.ALERT_PG_DEADLOCKS, "database", "warning", f"{r.name(c.PG_DEADLOCKS_RATE)} * 60", TS,
            "{service} deadlocks for tenant {tenant}",
            "{service} for tenant {tenant} has {value} deadlocks per minute; objective {objective}.",
            Level("pg_stat_database_deadlocks", extra={"datname": "app"}, per=60, counting=True),
            objective="deadlocks_per_minute", kind="postgres", hold=300, settle=r.t.window(300), **STORE,
        ),
        AlertDef(
            c.ALERT_PG_LONG_TX, "database", "warning", r.name(c.PG_TX_DURATION_MAX), TS,
            "{service} long-running transaction for tenant {tenant}",
            "The oldest transaction in {service} for tenant {tenant} has run {value}; objective {objective}.",
            Level("pg_stat_activity_max_tx_duration", extra=db), objective="long_transaction",
            formats=DUR, kind="postgres", hold=120, **STORE,
        ),
        AlertDef(
            c.ALERT_PG_REPLICATION_LAG, "database", "warning", r.name(c.PG_REPLICATION_LAG), TS,
            "{service} replica lags for tenant {tenant}",
            "A replica of {service} for tenant {tenant} is {value} behind its primary; objective {objective}.",
            Level("pg_replication_lag_seconds"), objective="replication_lag", formats=DUR, kind="postgres",
            hold=300, **STORE,
        ),
    ]


def redis_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "redis"):
        return []
    return [
        _down(c.ALERT_REDIS_DOWN, "redis", "redis_up", r.name(c.REDIS_UP), "Redis"),
        AlertDef(
            c.ALERT_REDIS_MEMORY, "saturation", "critical", r.name(c.REDIS_MEMORY_RATIO), TS,
            "{service} memory near maxmemory for tenant {tenant}",
            "{service} for tenant {tenant} uses {value} of maxmemory; objective {objective}.",
            Usage("redis_memory_used_bytes", "redis_memory_max_bytes", capacity=1e9),
            objective="redis_memory_usage", cap=1.0, formats=PCT, kind="redis", hold=300, **STORE,
        ),
        AlertDef(
            c.ALERT_REDIS_CLIENTS, "saturation", "warning", r.name(c.REDIS_CLIENTS_RATIO), TS,
            "{service} clients near maxclients for tenant {tenant}",
            "{service} for tenant {tenant} has {value} of maxclients connected; objective {objective}.",
            Usage("redis_connected_clients", "redis_config_maxclients", capacity=1000),
            objective="redis_clients_usage", cap=1.0, formats=PCT, kind="redis", hold=300, **STORE,
        ),
        AlertDef(
            c.ALERT_REDIS_EVICTIONS, "saturation", "warning", r.name(c.REDIS_EVICTIONS_RATE), TS,
            "{service} evicts keys for tenant {tenant}",
            "{service} for tenant {tenant} evicts {value} keys per second to stay under maxmemory; objective {objective}.",
            Level("redis_evicted_keys_total", counting=True), objective="redis_evictions_per_second",
            kind="redis", hold=600, settle=r.t.window(300), **STORE,
        ),
        AlertDef(
            c.ALERT_REDIS_REJECTED, "saturation", "warning", r.name(c.REDIS_REJECTED_RATE), TS,
            "{service} rejects connections for tenant {tenant}",
            "{service} for tenant {tenant} rejects {value} connections per second (maxclients reached); alert above {objective}.",
            Level("redis_rejected_connections_total", counting=True), threshold=0.0, bad=0.5, good=0.0,
            kind="redis", hold=120, settle=r.t.window(300), **STORE,
        ),
    ]


def kafka_alerts(r: Recorder) -> list[AlertDef]:
    if not services_of(r.spec, "kafka"):
        return []
    brokers = r.name(c.KAFKA_BROKERS)
    window = r.t.w(3600)
    return [
        AlertDef(
            c.ALERT_KAFKA_BROKER_LOST, "availability", "warning",
            f"(max_over_time({brokers}[{window}]) - {brokers})", TS,
            "{service} lost Kafka brokers for tenant {tenant}",
            f"{{service}} for tenant {{tenant}} has {{value}} fewer brokers than at its peak of the last {window}; alert above {{objective}}.",
            GaugeStep("kafka_brokers", before=3.0), threshold=0.0, bad=1.0, good=0.0, kind="kafka", hold=300,
            history=r.t.window(300), **STORE,
        ),
        AlertDef(
            c.ALERT_KAFKA_CONSUMER_LAG, "saturation", "warning", r.name(c.KAFKA_CONSUMER_LAG), (*TS, "consumergroup", "topic"),
            "Consumer group {consumergroup} of {service} lags on {topic} for tenant {tenant}",
            "Consumer group {consumergroup} ({service}, tenant {tenant}) is {value} messages behind on topic {topic}; objective {objective}.",
            Level("kafka_consumergroup_lag", extra={"partition": "0"}), objective="consumer_lag", kind="kafka", hold=600,
            sample_labels={"consumergroup": "workers", "topic": "events"}, **STORE,
        ),
    ]
