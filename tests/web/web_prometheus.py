"""A real Prometheus (/usr/bin/prometheus) scraping a tiny /metrics of two tenants, for the series tests.

The exporter's counters grow with wall time at a different pace per tenant, so the two
tenants' series are told apart by value as well as by label.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import httpx

from tenantwatch.conventions import HTTP_REQUEST_RATE, recorded, zscore
from tenantwatch.web.signals import DEFAULT_PREFIX

RATES = {"acme": 10.0, "globex": 40.0}  # requests per second of each tenant
ERROR_SHARE = {"acme": 0.0, "globex": 0.25}
# A recording rule under the name the rendered rules use for the traffic z-score, with a
# value the fallback expression could never produce, so tests can tell which one answered.
RECORDED_ZSCORE = 3.25
RULES = f"""groups:
  - name: web-test
    rules:
      - record: {recorded(DEFAULT_PREFIX, zscore(HTTP_REQUEST_RATE))}
        expr: 0 * sum by (tenant, service) (rate(http_requests_total[1m])) + {RECORDED_ZSCORE}
"""


def exposition(elapsed: float) -> str:
    lines = ["# TYPE http_requests_total counter"]
    for tenant, rate in RATES.items():
        total = rate * elapsed
        errors = total * ERROR_SHARE[tenant]
        base = f'tenant="{tenant}",service="api",handler="/",method="GET"'
        lines.append(f'http_requests_total{{{base},code="200"}} {total - errors:.3f}')
        lines.append(f'http_requests_total{{{base},code="503"}} {errors:.3f}')
    return "\n".join(lines) + "\n"


class Exporter:
    """/metrics on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        started = time.monotonic()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = exposition(time.monotonic() - started + 60).encode()
                self.send_response(200)
                self.send_header("content-type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_prometheus(port: int, target: str) -> Iterator[str]:
    """Prometheus on 127.0.0.1:port scraping `target` every second; yields its URL once both
    tenants have enough samples for a rate()."""
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    root = Path(tempfile.mkdtemp(prefix="tw-web-prom-"))
    (root / "rules.yml").write_text(RULES)
    (root / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{root / 'rules.yml'}']\n"
        f"scrape_configs:\n  - job_name: sim\n    honor_labels: true\n    static_configs: [{{targets: ['{target}']}}]\n")
    proc = subprocess.Popen([binary, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_samples(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_samples(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    queries = ["count by (tenant) (rate(http_requests_total[1m]))",
               f"count by (tenant) ({recorded(DEFAULT_PREFIX, zscore(HTTP_REQUEST_RATE))})"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prometheus exited with {proc.returncode}")
        if all(_has_both_tenants(url, q) for q in queries):
            return
        time.sleep(0.2)
    raise TimeoutError(f"prometheus at {url} had no rate or rule for both tenants after {timeout}s")


def _has_both_tenants(url: str, query: str) -> bool:
    # two seconds back, so that a step-aligned range query ending now has the points too
    params = {"query": query, "time": f"{time.time() - 2:.3f}"}
    try:
        result = httpx.get(f"{url}/api/v1/query", params=params, timeout=2).json()["data"]["result"]
    except (httpx.HTTPError, KeyError, ValueError):
        return False
    return {r["metric"].get("tenant") for r in result} >= set(RATES)
