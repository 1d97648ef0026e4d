"""Which shard owns which tenant, and the relabelling that makes each shard keep its own.

Prometheus' `hashmod` relabelling decides: md5 of the tenant id, the last 8 bytes of the
digest read as a big-endian unsigned integer, modulo the number of shards (relabel.go,
`case HashMod`). `shard_of` computes the same in Python, so tenantwatch can say where a
tenant lives (prometheus/shards/assignment.json) without asking Prometheus.

Series without a tenant, and the platform's own (`tenant="platform"`), belong to the
designated shard (`scale_out.shared_services_shard`).
"""

from __future__ import annotations

import hashlib
import json

from tenantwatch import conventions as names
from tenantwatch.spec import Spec

EVERY_SHARD = "all"  # a target with no tenant of its own: every shard scrapes it, keeps its tenants' samples
PLATFORM = names.PLATFORM_TENANT
ALGORITHM = "md5(tenant) last 8 bytes, big-endian, modulo shards (Prometheus hashmod)"


def shard_of(tenant: str, shards: int) -> int:
    """The shard Prometheus' hashmod puts `tenant` on."""
    digest = hashlib.md5(tenant.encode("utf-8")).digest()
    return int.from_bytes(digest[8:], "big") % shards


def _hash_rules(shards: int, empty_means: str) -> list[dict]:
    """hashmod of the tenant into the hash label; no tenant -> `empty_means`, the platform -> PLATFORM."""
    return [
        {"source_labels": [names.TENANT], "modulus": shards, "target_label": names.SHARD_HASH_LABEL, "action": "hashmod"},
        {"source_labels": [names.TENANT], "regex": "", "target_label": names.SHARD_HASH_LABEL, "replacement": empty_means},
        {"source_labels": [names.TENANT], "regex": PLATFORM, "target_label": names.SHARD_HASH_LABEL, "replacement": PLATFORM},
    ]


def _keep(shard: int, designated: bool, also: str | None = None) -> dict:
    kept = [str(shard), *([PLATFORM] if designated else []), *([also] if also else [])]
    return {"source_labels": [names.SHARD_HASH_LABEL], "regex": "|".join(kept), "action": "keep"}


def target_rules(shards: int, shard: int, designated: bool) -> list[dict]:
    """relabel_configs: a target whose tenant is known (a tenant's namespace or its own
    instance) is scraped by its shard only; one without a tenant by every shard."""
    return [*_hash_rules(shards, EVERY_SHARD), _keep(shard, designated, also=EVERY_SHARD)]


def sample_rules(shards: int, shard: int, designated: bool) -> list[dict]:
    """metric_relabel_configs: a sample is stored by its tenant's shard; samples without a
    tenant by the designated shard only. The hash label is dropped before storage."""
    return [*_hash_rules(shards, PLATFORM), _keep(shard, designated),
            {"regex": names.SHARD_HASH_LABEL, "action": "labeldrop"}]


def assignment(spec: Spec) -> str:
    """assignment.json: every tenant of the spec and its shard, and how it was computed
    (tenants that appear only in metrics land where `shard_of` says)."""
    scale = spec.scale_out
    owners = {tenant: shard_of(tenant, scale.prometheus_shards) for tenant in spec.tenants}
    data = {
        "shards": scale.prometheus_shards,
        "label": names.TENANT,
        "algorithm": ALGORITHM,
        "shared_services_shard": scale.shared_services_shard,
        "tenants": owners,
        "tenants_per_shard": [sum(1 for s in owners.values() if s == n) for n in range(scale.prometheus_shards)],
    }
    return json.dumps(data, indent=1) + "\n"
