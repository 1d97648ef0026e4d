"""A real Prometheus scraping a tiny exporter whose values the test sets, and a real
Alertmanager, all on 127.0.0.1 free ports and stopped by the fixture."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import httpx

from tests.conftest import free_port, wait_for_port

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


@dataclass
class Exporter:
    """Serves /metrics: each gauge's value comes from a function called at scrape time."""

    gauges: dict[str, Callable[[], float]] = field(default_factory=dict)

    def text(self) -> str:
        return "".join(f"{series} {value():.6f}\n" for series, value in self.gauges.items())

    def serve(self) -> tuple[ThreadingHTTPServer, int]:
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = exporter.text().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, server.server_address[1]


@dataclass
class Stack:
    exporter: Exporter
    prometheus: str
    alertmanager: str

    def samples(self, query: str, seconds: float = 120) -> list[float]:
        now = time.time()
        body = httpx.get(f"{self.prometheus}/api/v1/query_range",
                         params={"query": query, "start": now - seconds, "end": now, "step": "1s"}).json()
        result = body["data"]["result"]
        return [float(v) for _, v in result[0]["values"]] if result else []

    def wait_for(self, query: str, condition: Callable[[list[float]], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.samples(query)):
                return
            time.sleep(0.5)
        raise TimeoutError(f"Prometheus never showed the expected samples of {query}: {self.samples(query)[-5:]}")

    def alerts(self, alertname: str) -> list[dict]:
        body = httpx.get(f"{self.alertmanager}/api/v2/alerts", params={"active": "true", "silenced": "false"}).json()
        return [a for a in body if a["labels"].get("alertname") == alertname]


def start_stack(root: Path, exporter: Exporter) -> Iterator[Stack]:
    server, exporter_port = exporter.serve()
    prom_port, am_port = free_port(), free_port()
    (root / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: exporter\n    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n")
    (root / "alertmanager.yml").write_text("route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n")
    procs = [
        subprocess.Popen([PROMETHEUS, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'tsdb'}",
                          f"--web.listen-address=127.0.0.1:{prom_port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([ALERTMANAGER, f"--config.file={root / 'alertmanager.yml'}", f"--storage.path={root / 'am'}",
                          f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for_port(prom_port, proc=procs[0])
        wait_for_port(am_port, proc=procs[1])
        yield Stack(exporter, f"http://127.0.0.1:{prom_port}", f"http://127.0.0.1:{am_port}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        server.shutdown()
        server.server_close()
