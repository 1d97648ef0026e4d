"""The rendered Thanos global view, live: two real Prometheus shards, a real Thanos (v0.42.4,
built by scripts/thanos.sh) sidecar beside each and a querier over both, every process
started from its rendered run file. The querier must see every tenant once, on its shard."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import free_port
from tests.scale.scale_support import (PROMETHEUS, TENANTS, platform_exporters, poll, port_pair, query, render_into,
                                       run_files, sharded_text, spec_of)

CACHED_THANOS = Path("/var/cache/tenantwatch/thanos/bin/thanos")
BUILD = "bash scripts/thanos.sh /var/cache/tenantwatch/thanos"


@pytest.fixture(scope="module")
def thanos() -> str:
    """The Thanos binary: $TENANTWATCH_THANOS (scripts/test.sh exports it), else the cache's.
    A missing binary fails the test: a skipped live test would hide a broken global view."""
    named = os.environ.get("TENANTWATCH_THANOS")
    binary = Path(named) if named else CACHED_THANOS
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        where = f"TENANTWATCH_THANOS={named}" if named else f"TENANTWATCH_THANOS is unset and {CACHED_THANOS}"
        pytest.fail(f"no Thanos binary: {where} is not an executable file; build it with `{BUILD}`")
    return str(binary)


@dataclass
class GlobalView:
    querier: str
    assignment: dict


@pytest.fixture(scope="module")
def view(thanos: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GlobalView]:
    out = tmp_path_factory.mktemp("thanos") / "out"
    with contextlib.ExitStack() as stack:
        api, db = platform_exporters(stack)
        shard_ports, sidecar_ports, query_port = [free_port(), free_port()], [port_pair(), port_pair()], port_pair()
        sidecars = ", ".join(f"127.0.0.1:{p}" for p in sidecar_ports)
        text = sharded_text(
            shards=[f"127.0.0.1:{p}" for p in shard_ports],
            alertmanagers=[(f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}")], exporter=api, db=db,
            global_view=f"thanos\n  thanos: {{query_address: 127.0.0.1:{query_port}, sidecars: [{sidecars}]}}")
        render_into(spec_of(text), out, profile="fast")
        start = run_files(stack, {"PROMETHEUS": PROMETHEUS, "THANOS": thanos})
        for shard, port in enumerate(shard_ports):
            start(out / f"prometheus/shards/shard-{shard}/run.sh", port)
        for shard, port in enumerate(sidecar_ports):  # ready (on its HTTP port) once it has read its shard's labels
            start(out / f"prometheus/thanos/sidecar-{shard}.sh", port + 1)
        querier = start(out / "prometheus/thanos/query.sh", query_port)
        yield GlobalView(querier, json.loads((out / "prometheus/shards/assignment.json").read_text()))


@pytest.mark.e2e
def test_the_querier_sees_both_shards(view: GlobalView) -> None:
    shards = poll("both shards through the querier",
                  lambda: len(found := query(view.querier, "count by (shard) (up)")) == 2 and found)
    assert sorted(series["metric"]["shard"] for series in shards) == ["0", "1"]


@pytest.mark.e2e
def test_every_tenant_once_through_the_querier_labelled_with_its_shard(view: GlobalView) -> None:
    def every_tenant() -> list[dict]:
        found = query(view.querier, "http_requests_total")
        return found if {s["metric"].get("tenant") for s in found} >= set(TENANTS) else []

    series = poll("every tenant through the querier", every_tenant)
    assert Counter(s["metric"]["tenant"] for s in series) == Counter(TENANTS)  # once: no shard keeps another's tenant
    assert {s["metric"]["tenant"]: int(s["metric"]["shard"]) for s in series} == view.assignment["tenants"]
