"""Helpers for the Grafana tests: render the target and walk its dashboards' panels."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import yaml

from tenantwatch.render import RenderOptions
from tenantwatch.render.grafana import render_grafana
from tenantwatch.spec import Spec

# What Grafana substitutes before a query reaches Prometheus ("All" for the board filters).
GRAFANA_MACROS = {"$__rate_interval": "2m", "$__interval": "30s", "$__range": "1h", "$slo": ".*"}
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{")


def dashboards(spec: Spec, **options: Any) -> dict[str, dict]:
    files = render_grafana(spec, RenderOptions(**options))
    return {path: json.loads(text) for path, text in files.items() if path.startswith("dashboards/")}


def panels(board: dict) -> Iterator[dict]:
    for panel in board.get("panels", []):
        if panel["type"] != "row":
            yield panel


def as_prometheus_query(expr: str, tenant: str) -> str:
    """The query Grafana would send for one chosen tenant."""
    for macro, value in GRAFANA_MACROS.items():
        expr = expr.replace(macro, value)
    return expr.replace("$tenant", tenant)


def metric_names(expr: str) -> set[str]:
    """Metric names of the query's selectors (every generated selector carries a tenant matcher)."""
    return set(SELECTOR.findall(expr)) - {"by", "without", "on", "ignoring", "group_left", "group_right"}


# docs/input-metrics.md: the input metrics a panel may read directly (besides recording rules).
INPUT_METRICS = frozenset({
    "up", "http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum",
    "http_request_duration_seconds_count", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
    "kube_pod_container_resource_limits", "kube_pod_container_status_restarts_total", "kubelet_volume_stats_available_bytes",
    "kubelet_volume_stats_capacity_bytes", "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
    "container_network_receive_packets_dropped_total", "pg_stat_activity_count", "pg_settings_max_connections",
    "pg_stat_database_deadlocks", "pg_stat_activity_max_tx_duration", "redis_memory_used_bytes", "redis_memory_max_bytes",
    "redis_connected_clients", "redis_config_maxclients", "redis_keyspace_hits_total", "redis_keyspace_misses_total",
    "queue_depth", "worker_jobs_total", "model_accuracy", "model_drift_score", "model_prediction_duration_seconds_bucket",
    "model_predictions_total", "model_training_duration_seconds", "auth_attempts_total", "security_events_total",
    "business_sessions_total", "business_conversions_total", "tenant_cost_eur_total",
})


def panel_queries(boards: dict[str, dict]) -> Iterator[tuple[str, str]]:
    """(where, expr) for every query of every panel."""
    for path, board in boards.items():
        for panel in panels(board):
            for target in panel["targets"]:
                yield f"{path}: {panel['title']}", target["expr"]


def recorded_names(rule_files: dict[str, str]) -> set[str]:
    """Every `record:` name of rendered Prometheus rule files."""
    return {rule["record"] for text in rule_files.values() for group in (yaml.safe_load(text) or {}).get("groups", [])
            for rule in group["rules"] if "record" in rule}


def without_empty(value: Any) -> Any:
    """The JSON with empty objects dropped (the SDK's decoder adds an empty `custom`)."""
    if isinstance(value, dict):
        kept = {k: without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v != {}}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value
