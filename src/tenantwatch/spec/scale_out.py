"""The `scale_out` section: how many Prometheus shards, Alertmanager replicas and engine
replicas run, where each listens, and which global view (if any) sees every shard.

Every count defaults to 1 and every list to empty, so a spec without the section renders
exactly what a single-node spec renders. Addresses are listed, not derived: replicas of a
real deployment run on different hosts, and a derived port would collide on one host.
Cross-field rules (a list as long as its count, the kind's own settings) are in
spec/checks/scale_out.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GlobalViewKind = Literal["none", "prometheus", "thanos", "mimir"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertmanagerReplica(_Model):
    """One member of the Alertmanager cluster."""

    address: str  # host:port of its API, where every shard sends alerts
    cluster: str  # host:port of its gossip (--cluster.listen-address), where the other members reach it


class Receiver(_Model):
    """global_view: prometheus - a Prometheus that accepts the shards' remote write."""

    address: str = "127.0.0.1:9190"


class Thanos(_Model):
    """global_view: thanos - a sidecar beside each shard and a querier over them."""

    query_address: str = "127.0.0.1:10904"  # the querier's HTTP address (its gRPC takes the next port)
    sidecars: list[str] = []  # the gRPC address of each shard's sidecar, in shard order


class Mimir(_Model):
    """global_view: mimir - every shard remote-writes to Mimir."""

    url: str | None = None  # the push URL, e.g. https://mimir.example.com/api/v1/push
    org_id: str | None = None  # the X-Scope-OrgID header: Mimir's tenant, not a tenantwatch tenant


class ScaleOut(_Model):
    prometheus_shards: int = Field(1, ge=1)
    shard_addresses: list[str] = []  # host:port each shard listens on, in shard order (needed with 2+ shards)
    shared_services_shard: int = Field(0, ge=0)  # the shard that scrapes shared services and the platform's nodes
    alertmanager_replicas: int = Field(1, ge=1)
    alertmanagers: list[AlertmanagerReplica] = []  # needed with 2+ replicas
    # More than one needs a PostgreSQL database: `tenantwatch serve --db postgresql+psycopg://...`
    engine_replicas: int = Field(1, ge=1)
    engine_urls: list[str] = []  # each replica's base URL (needed with 2+ replicas): Alertmanager posts to all
    # One place that sees every shard's series; only the chosen kind's settings below are used.
    global_view: GlobalViewKind = "none"
    receiver: Receiver = Receiver()
    thanos: Thanos = Thanos()
    mimir: Mimir = Mimir()

    @property
    def sharded(self) -> bool:
        return self.prometheus_shards > 1

    def alertmanager_addresses(self, single: str) -> list[str]:
        """Where every shard sends alerts: each replica, or the single Alertmanager."""
        return [am.address for am in self.alertmanagers] or [single]
