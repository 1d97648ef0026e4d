"""Checks of the platform settings that end up in rendered configs: scaling bounds, URLs,
host:port addresses, the user's own scrape jobs and rule files."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Iterator
from urllib.parse import urlsplit

from tenantwatch.conventions import BUILTIN_SCRAPE_JOBS
from tenantwatch.spec.checks.registry import Sections, check, error, names
from tenantwatch.spec.issues import Issue
from tenantwatch.spec.units import is_host_port

Path = tuple[str, ...]
# Where each URL and host:port of the spec is, with the example its message shows.
_URLS: tuple[tuple[Path, str], ...] = (
    (("engine", "url"), "http://127.0.0.1:8080"),
    (("engine", "public_url"), "https://tenantwatch.example.com"),
    (("grafana", "url"), "https://grafana.example.com"),
    (("runbook_base_url",), "https://runbooks.example.com/tenantwatch"),
)
_HOST_PORTS: tuple[tuple[Path, str], ...] = (
    (("prometheus", "alertmanager"), "127.0.0.1:9093"),
    (("prometheus", "listen_address"), "127.0.0.1:9090"),
)
_RULE_FILE_SUFFIXES = (".yml", ".yaml")


@check("auto_scaling")
def _replica_bounds(s: Sections) -> Iterator[Issue]:
    scaling = s["auto_scaling"]
    if scaling.min_replicas > scaling.max_replicas:
        yield error(("auto_scaling", "min_replicas"), "min_replicas is above max_replicas")


@check()
def _addresses(s: Sections) -> Iterator[Issue]:
    """URLs and host:port values, checked before they break a rendered config."""
    for path, example in _URLS:
        value = _value(s, path)
        if value is not None and not is_url(value):
            yield error(path, f"expected an http(s) URL like {example}, got {value!r}")
    for path, example in _HOST_PORTS:
        value = _value(s, path)
        if value is not None and not is_host_port(value):
            yield error(path, f"expected host:port like {example}, got {value!r}")


def _value(s: Sections, path: Path) -> Any:
    """The value at `path`, or None when its section did not parse or the key is unset."""
    if path[0] not in s:
        return None
    value = s[path[0]]
    for key in path[1:]:
        value = getattr(value, key, None)
    return value


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@check("prometheus")
def _scrape_jobs(s: Sections) -> Iterator[Issue]:
    """The user's jobs are merged with the generated ones: every job name must stay unique."""
    generated = {**{job: "built in" for job in BUILTIN_SCRAPE_JOBS}, **{name: "the service's" for name in names(s, "services")}}
    seen: set[str] = set()
    for i, job in enumerate(s["prometheus"].scrape_configs):
        path = ("prometheus", "scrape_configs", i)
        name = job.get("job_name")
        if "job_name" not in job:
            yield error(path, "a scrape job needs a job_name")
        elif not isinstance(name, str) or not name.strip():
            yield error((*path, "job_name"), "expected a non-empty job name (text)")
        elif name in generated:
            yield error((*path, "job_name"), f"{name!r} is already a generated scrape job ({generated[name]}); choose another job_name")
        elif name in seen:
            yield error((*path, "job_name"), f"duplicate job_name {name!r}")
        if isinstance(name, str):
            seen.add(name)


@check("prometheus")
def _rule_files(s: Sections) -> Iterator[Issue]:
    """The user's rule files are copied into one folder: each needs a YAML name of its own."""
    seen: set[str] = set()
    for i, path in enumerate(s["prometheus"].rule_files):
        name = PurePosixPath(path.strip()).name
        if not path.strip() or not name.endswith(_RULE_FILE_SUFFIXES):
            yield error(("prometheus", "rule_files", i), f"expected a path to a .yml or .yaml file, got {path!r}")
        elif name in seen:
            yield error(("prometheus", "rule_files", i),
                        f"another rule file has the same name ({name}); both are copied into one folder, so rename one")
        seen.add(name)
