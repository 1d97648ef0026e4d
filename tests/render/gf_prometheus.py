"""A real Prometheus (the Debian binary) loaded with rendered rules and scraping the
simulator, on a free 127.0.0.1 port; stopped by the test that started it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import yaml

from am_live import running
from tests.conftest import free_port

PROMETHEUS = "/usr/bin/prometheus"


@contextmanager
def prometheus(folder: Path, rules: dict[str, str], scrape_target: str) -> Iterator[str]:
    """Prometheus with `rules` ({file name: content}) evaluated every second; yields its URL."""
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    for name, content in rules.items():
        (folder / "rules" / Path(name).name).write_text(content)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["rules/*.yml"],
        "scrape_configs": [{"job_name": "sim", "honor_labels": True, "static_configs": [{"targets": [scrape_target]}]}],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    argv = [PROMETHEUS, f"--config.file={folder / 'prometheus.yml'}", f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={folder / 'data'}"]
    with running(argv, port, folder / "prometheus.log") as url:
        yield url


def query(url: str, expr: str) -> dict:
    """The JSON answer of an instant query (status "error" with errorType for invalid PromQL)."""
    return httpx.post(f"{url}/api/v1/query", data={"query": expr}, timeout=10).json()


def loaded_rule_names(url: str) -> set[str]:
    groups = httpx.get(f"{url}/api/v1/rules").json()["data"]["groups"]
    return {rule["name"] for group in groups for rule in group["rules"] if rule["type"] == "recording"}
