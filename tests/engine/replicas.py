"""`tenantwatch serve` replicas as real processes, for the replica and scale-out tests."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx

from tests.conftest import free_port, wait_for_port
from tests.engine.test_serve import CLI


class Replica:
    """One replica on its own port; its log is `serve-<port>.log` in `workdir`."""

    def __init__(self, db: str, spec: Path, workdir: Path, *extra: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # a session of its own: kill() takes the answering process and its worker together
        self.log = workdir / f"serve-{self.port}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([*CLI, "serve", "--db", db, "--spec", str(spec), "--port", str(self.port),
                                          "--tick", "0.2", *extra], cwd=workdir, start_new_session=True,
                                         stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=60, proc=self.proc)

    def leads(self) -> bool:
        metrics = httpx.get(f"{self.url}/metrics", timeout=10).text
        return "tenantwatch_engine_leader 1.0" in metrics

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
