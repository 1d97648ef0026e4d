"""Live helpers for the Alertmanager tests: a recording webhook server and a real
Alertmanager (the Debian binary) on free 127.0.0.1 ports, both stopped by the tests."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

from tests.conftest import free_port, wait_for_port

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


class Recorder:
    """Every request received, as (path, headers, parsed JSON body), in arrival order."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self._changed = threading.Condition()

    def add(self, path: str, headers: dict[str, str], body: Any) -> None:
        with self._changed:
            self.requests.append((path, headers, body))
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list], bool], timeout: float = 30.0) -> list:
        """Block until predicate(requests) holds; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.requests):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"condition not met in {timeout}s; received {self.requests!r}")
                self._changed.wait(left)
            return list(self.requests)


@contextmanager
def recording_server() -> Iterator[tuple[str, Recorder]]:
    """A local HTTP server standing in for the engine / a SaaS endpoint; answers 200."""
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            recorder.add(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(body or b"null"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running(argv: list[str], port: int, log_path: Path, started: list[subprocess.Popen] | None = None) -> Iterator[str]:
    """Run a server listening on 127.0.0.1:port until its /-/ready answers; stop it after.
    `started` receives the process, for a test that kills it itself."""
    log = log_path.open("w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    if started is not None:
        started.append(proc)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, proc=proc)
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/-/ready").status_code != 200:
            assert time.monotonic() < deadline, f"{argv[0]} never became ready; see {log_path}"
            time.sleep(0.1)
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)
        log.close()


@contextmanager
def alertmanager(config: Path, storage: Path) -> Iterator[str]:
    """A real Alertmanager on a free port without clustering; yields its base URL."""
    port = free_port()
    argv = [ALERTMANAGER, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=", f"--storage.path={storage}"]
    with running(argv, port, storage / "alertmanager.log") as url:
        yield url


def alert(tenant: str, alertname: str, severity: str, service: str | None = None, **extra: str) -> dict[str, Any]:
    """An alert as the rendered rules label it; `extra` adds e.g. tier and scope."""
    labels = {"alertname": alertname, "tenant": tenant, "severity": severity, **extra}
    if service:
        labels["service"] = service
    return {"labels": labels, "annotations": {"summary": f"{alertname} for {tenant}", "description": "test",
                                              "runbook_url": "https://runbooks.example.com/x"}}


def post_alerts(url: str, alerts: list[dict[str, Any]]) -> None:
    httpx.post(f"{url}/api/v2/alerts", json=alerts).raise_for_status()


def alert_states(url: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(tenant, alertname, severity) -> the alert's status as Alertmanager reports it."""
    alerts = httpx.get(f"{url}/api/v2/alerts").json()
    return {(a["labels"]["tenant"], a["labels"]["alertname"], a["labels"]["severity"]): a["status"] for a in alerts}
