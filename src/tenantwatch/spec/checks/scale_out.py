"""Checks of `scale_out`: every address list as long as its count, addresses that parse,
the designated shard among the shards, and the chosen global view with the settings it needs."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from tenantwatch.spec.checks.registry import Sections, check, error
from tenantwatch.spec.checks.settings import is_url
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.scale_out import ScaleOut
from tenantwatch.spec.units import is_host_port

SECTION = "scale_out"
# (list key, count key, example entry) of each replicated part
_LISTS = (
    ("shard_addresses", "prometheus_shards", "10.0.0.1:9090"),
    ("alertmanagers", "alertmanager_replicas", "{address: 10.0.0.1:9093, cluster: 10.0.0.1:9094}"),
    ("engine_urls", "engine_replicas", "http://10.0.0.1:8080"),
)


@check(SECTION)
def _lists_match_counts(s: Sections) -> Iterator[Issue]:
    scale: ScaleOut = s[SECTION]
    for key, count_key, example in _LISTS:
        count, listed = getattr(scale, count_key), len(getattr(scale, key))
        if count > 1 and listed != count:
            yield error((SECTION, key), f"{count_key} is {count}: list {count} entries (one per replica, like {example}), got {listed}")
        elif count == 1 and listed > 1:
            yield error((SECTION, key), f"{listed} entries but {count_key} is 1; set {count_key}: {listed}")


@check(SECTION)
def _addresses(s: Sections) -> Iterator[Issue]:
    scale: ScaleOut = s[SECTION]
    for i, address in enumerate(scale.shard_addresses):
        yield from _host_port((SECTION, "shard_addresses", i), address, "10.0.0.1:9090")
    for i, am in enumerate(scale.alertmanagers):
        yield from _host_port((SECTION, "alertmanagers", i, "address"), am.address, "10.0.0.1:9093")
        yield from _host_port((SECTION, "alertmanagers", i, "cluster"), am.cluster, "10.0.0.1:9094")
    for i, url in enumerate(scale.engine_urls):
        if not is_url(url):
            yield error((SECTION, "engine_urls", i), f"expected an http(s) URL like http://10.0.0.1:8080, got {url!r}")
    for duplicated in _duplicates([*scale.shard_addresses, *(a for am in scale.alertmanagers for a in (am.address, am.cluster))]):
        yield error((SECTION,), f"{duplicated} is listed twice; every shard and Alertmanager needs its own address")


@check(SECTION)
def _designated_shard(s: Sections) -> Iterator[Issue]:
    scale: ScaleOut = s[SECTION]
    if scale.shared_services_shard >= scale.prometheus_shards:
        yield error((SECTION, "shared_services_shard"),
                    f"shard {scale.shared_services_shard} does not exist: shards are numbered 0 to {scale.prometheus_shards - 1}")


@check(SECTION)
def _global_view(s: Sections) -> Iterator[Issue]:
    """The chosen kind's settings (the others' are ignored, so switching kinds keeps them)."""
    scale: ScaleOut = s[SECTION]
    if scale.global_view == "prometheus":
        yield from _host_port((SECTION, "receiver", "address"), scale.receiver.address, "10.0.0.9:9190")
    if scale.global_view == "mimir":
        if not scale.mimir.url or not is_url(scale.mimir.url):
            yield error((SECTION, "mimir", "url"),
                        f"global_view mimir needs the push URL, like https://mimir.example.com/api/v1/push, got {scale.mimir.url!r}")
        if not scale.mimir.org_id or not scale.mimir.org_id.strip():
            yield error((SECTION, "mimir", "org_id"),
                        "global_view mimir needs the org_id Mimir files the series under (its X-Scope-OrgID header)")
    if scale.global_view == "thanos":
        path = (SECTION, "thanos")
        yield from _host_port((*path, "query_address"), scale.thanos.query_address, "10.0.0.9:10904")
        if len(scale.thanos.sidecars) != scale.prometheus_shards:
            yield error((*path, "sidecars"), f"one sidecar gRPC address per shard ({scale.prometheus_shards}), got {len(scale.thanos.sidecars)}")
        for i, address in enumerate(scale.thanos.sidecars):
            yield from _host_port((*path, "sidecars", i), address, "10.0.0.1:10901")


def _host_port(path: tuple[object, ...], value: str, example: str) -> Iterator[Issue]:
    if not is_host_port(value):
        yield error(path, f"expected host:port like {example}, got {value!r}")


def _duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]
