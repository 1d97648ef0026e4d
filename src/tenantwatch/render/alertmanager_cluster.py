"""The Alertmanager cluster: one run file per replica with its gossip flags.

Every replica listens for gossip on its `cluster` address and names every other replica
as a peer; every Prometheus shard sends each alert to every replica, and the replicas
agree through gossip which of them notifies, so each notification goes out once while any
replica lives. The `fast` profile shortens the peer timeout (how long a replica waits for
the one before it to notify) for demos and tests.
"""

from __future__ import annotations

from tenantwatch.render import Files, RenderOptions
from tenantwatch.render.runfiles import run_file
from tenantwatch.spec import Spec

CLUSTER_DIR = "cluster"
FAST_PEER_TIMEOUT = "2s"  # Alertmanager's default is 15s


def cluster_files(spec: Spec, options: RenderOptions) -> Files:
    """cluster/alertmanager-N.sh for each replica (none for a single Alertmanager)."""
    replicas = spec.scale_out.alertmanagers
    files: Files = {}
    for index, replica in enumerate(replicas):
        flags = ["--config.file=../alertmanager.yml", f"--storage.path=data-{index}",
                 f"--web.listen-address={replica.address}", f"--cluster.listen-address={replica.cluster}",
                 *(f"--cluster.peer={peer.cluster}" for peer in replicas if peer is not replica)]
        if options.profile == "fast":
            flags.append(f"--cluster.peer-timeout={FAST_PEER_TIMEOUT}")
        files[f"{CLUSTER_DIR}/alertmanager-{index}.sh"] = run_file(
            f"Alertmanager replica {index} of {len(replicas)}", "ALERTMANAGER", "alertmanager", flags)
    return files
