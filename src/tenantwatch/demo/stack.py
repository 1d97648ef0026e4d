"""The whole loop on one machine: simulator -> real Prometheus -> real Alertmanager -> engine
(SQLite) -> recording "Slack", every part on a free 127.0.0.1 port, started and stopped as one.

    with Stack() as stack:            # or stack.start() ... stack.stop()
        stack.inject("acme", "error_burst")
        stack.incidents()             # the engine's incidents, via its HTTP API

Children run in their own process groups with temp storage under `workdir`; stop() ends
them in reverse order (SIGTERM, then SIGKILL), so no process or port is left behind.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import httpx

from tenantwatch.conventions import ENGINE_API_PREFIX
from tenantwatch.demo.procs import Child, ChildFailed, http_ok, port_listening, process_alive, spawn, wait_until
from tenantwatch.demo.recorder import Recorder
from tenantwatch.demo.wiring import Addresses, WiringError, demo_spec_text, parse, wire, write_private, write_secrets
from tenantwatch.render import RenderError, RenderOptions, render_tree
from tenantwatch.render.emit import write_tree
from tenantwatch.sim import Fault, ScheduledFault, SimServer, World

INSTALL_HINT = "apt-get install -y --no-install-recommends prometheus prometheus-alertmanager (or run scripts/install.sh)"
STEPS = ("simulator", "recorder", "spec", "render", "keys", "engine", "prometheus", "alertmanager")
READY_TIMEOUT = 60.0
DASHBOARD_PATH = "/ui/"


class StackError(RuntimeError):
    """The stack could not start (missing binary, a child that died); says what to do."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binary(name: str, env_var: str) -> str:
    """The binary from `env_var`, else PATH, else /usr/bin; a clear StackError if missing."""
    candidate = os.environ.get(env_var) or shutil.which(name) or f"/usr/bin/{name}"
    if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
        raise StackError(f"{name} not found ({candidate}); install it with: {INSTALL_HINT}")
    return candidate


@dataclass(frozen=True)
class DemoKeys:
    admin: str
    tenant: str  # the tenant the tenant key belongs to
    tenant_key: str


@dataclass
class Stack:
    """One demo run: what to simulate (spec, seed, speed, scheduled faults) and, once started,
    the children, their URLs and the demo keys. Logs and data live in `workdir` until stop()."""

    spec_text: str = field(default_factory=demo_spec_text)
    seed: int = 0
    speed: float = 60.0  # a simulated day lasts 24 minutes
    schedule: Iterable[ScheduledFault] = ()
    on_step: Callable[[str], None] = lambda step: None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tenantwatch-demo-")))
    children: list[Child] = field(default_factory=list, init=False)
    urls: dict[str, str] = field(default_factory=dict, init=False)
    child_ports: list[int] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.spec = parse(self.spec_text)
        self.world = World(self.spec, seed=self.seed, speed=self.speed, schedule=self.schedule)
        self.sim = SimServer(self.world)
        self.recorder = Recorder()
        self.keys: DemoKeys | None = None

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # start --------------------------------------------------------------------------------
    def start(self) -> "Stack":
        prometheus = find_binary("prometheus", "TENANTWATCH_PROMETHEUS")
        alertmanager = find_binary("prometheus-alertmanager", "TENANTWATCH_ALERTMANAGER")
        try:
            self._start(prometheus, alertmanager)
        except (RenderError, WiringError) as exc:
            self.stop()
            raise StackError(f"the demo spec cannot run: {exc}") from None
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, prometheus_bin: str, alertmanager_bin: str) -> None:
        self.on_step("simulator")
        self.sim.start(service_ports={name: 0 for name in self.spec.services})
        self.urls["simulator"] = self.sim.url()
        self.on_step("recorder")
        self.recorder.start()
        self.urls["slack"] = self.recorder.url
        ports = {name: free_port() for name in ("engine", "prometheus", "alertmanager")}
        self.child_ports = list(ports.values())
        self.urls.update({name: f"http://127.0.0.1:{port}" for name, port in ports.items()})
        self.urls["dashboard"] = self.urls["engine"] + DASHBOARD_PATH

        self.on_step("spec")
        intake_file = self.workdir / "intake.key"
        wired = wire(self.spec_text, Addresses(
            {name: f"127.0.0.1:{self.sim.port(name)}" for name in self.spec.services},
            self.urls["engine"], f"127.0.0.1:{ports['alertmanager']}", f"127.0.0.1:{ports['prometheus']}",
            str(intake_file), self.recorder.url, str(self.workdir / "secrets")))
        write_secrets(wired.environ, self.workdir / "secrets")
        self.spec_path = self.workdir / "spec.yaml"
        self.spec_path.write_text(wired.text, encoding="utf-8")
        self.db_url = f"sqlite:///{self.workdir / 'engine.db'}"

        self.on_step("render")  # before anything is spawned: a spec that cannot render fails fast
        self.out = self.workdir / "out"
        write_tree(self.out, render_tree(wired.spec, RenderOptions(profile="fast"), ["prometheus", "alertmanager"]))

        self.on_step("keys")
        self.keys = self._create_keys(intake_file)

        self.on_step("engine")
        env = {**os.environ, **wired.environ, "PROMETHEUS_URL": self.urls["prometheus"],
               "ALERTMANAGER_URL": self.urls["alertmanager"], "TENANTWATCH_DB": self.db_url}
        self._run("engine", [*_tenantwatch(), "serve", "--spec", str(self.spec_path), "--db", self.db_url,
                             "--host", "127.0.0.1", "--port", str(ports["engine"])],
                  self.urls["engine"] + "/healthz", env)

        self.on_step("prometheus")
        self._run("prometheus", [prometheus_bin, f"--config.file={self.out / 'prometheus' / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
                                 f"--web.listen-address=127.0.0.1:{ports['prometheus']}"],
                  self.urls["prometheus"] + "/-/ready")
        self.on_step("alertmanager")
        self._run("alertmanager", [alertmanager_bin, f"--config.file={self.out / 'alertmanager' / 'alertmanager.yml'}",
                                   f"--storage.path={self.workdir / 'alertmanager-data'}",
                                   f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
                                   "--cluster.listen-address="],
                  self.urls["alertmanager"] + "/-/ready")

    def _run(self, name: str, argv: list[str], ready_url: str, env: dict[str, str] | None = None) -> None:
        child = spawn(name, argv, self.workdir / f"{name}.log", env)
        self.children.append(child)
        try:
            wait_until(http_ok(ready_url), child, f"{name} to answer {ready_url}", READY_TIMEOUT)
        except ChildFailed as exc:
            raise StackError(str(exc)) from None

    def _create_keys(self, intake_file: Path) -> DemoKeys:
        """The intake key (into the file Alertmanager reads), an admin key and one tenant key:
        what `tenantwatch keys create` does, in-process to spare three interpreter start-ups."""
        from tenantwatch.engine.auth import create_key
        from tenantwatch.engine.store import StoreError, open_store

        try:
            store = open_store(self.db_url)
        except StoreError as exc:
            raise StackError(f"cannot create the engine's database {self.db_url}: {exc}") from None
        try:
            write_private(intake_file, create_key(store, kind="intake", name="alertmanager"))
            tenant = next(iter(self.spec.tenants))
            return DemoKeys(create_key(store, kind="admin", name="demo-admin"), tenant,
                            create_key(store, kind="tenant", tenant=tenant, name=f"{tenant}-demo-user"))
        finally:
            store.close()

    # use ----------------------------------------------------------------------------------
    def inject(self, tenant: str, kind: str, *, service: str | None = None, duration: float | None = None) -> Fault:
        return self.world.inject(tenant, kind, service=service, duration=duration)

    def api(self, path: str, key: str | None = None, method: str = "GET", **params: Any) -> Any:
        """A call to the engine's HTTP API (admin key by default); JSON back."""
        token = key or (self.keys.admin if self.keys else "")
        answer = httpx.request(method, self.urls["engine"] + ENGINE_API_PREFIX + path, params=params or None,
                               headers={"Authorization": f"Bearer {token}"}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def incidents(self, key: str | None = None, **params: Any) -> list[dict]:
        """The newest incidents the key sees (up to 500: one page is all a demo makes)."""
        return self.api("/incidents", key, **{"limit": 500, **params})["items"]

    def firing_alerts(self) -> list[dict]:
        """Alerts Prometheus is firing now (state firing), from its HTTP API."""
        answer = httpx.get(self.urls["prometheus"] + "/api/v1/alerts", timeout=10).json()
        return [a for a in answer["data"]["alerts"] if a.get("state") == "firing"]

    def ports(self) -> list[int]:
        """Every port the stack has bound or handed to a child."""
        own = [server.server_address[1] for server in self.sim.servers.values()]
        return [*self.child_ports, *own, *([self.recorder.port] if self.recorder.running else [])]

    # stop ---------------------------------------------------------------------------------
    def stop(self) -> list[str]:
        """Stop every child (last started first), the simulator and the recorder; remove workdir.
        Returns what is still running or listening afterwards (empty when all is clean)."""
        ports = self.ports()
        for child in reversed(self.children):
            child.stop()
        self.sim.stop()
        self.recorder.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return [f"{c.name} (pid {c.pid}) still runs" for c in self.children if process_alive(c.pid)] + \
            [f"port {p} still listens" for p in ports if port_listening(p)]


def _tenantwatch() -> list[str]:
    return [sys.executable, "-m", "tenantwatch.cli"]
