"""A small async client of the Prometheus HTTP API, for the dashboard's server side only.

Any failure (not configured, unreachable, bad answer) becomes PrometheusUnavailable with a
message a person can act on, so pages show it instead of failing with a 500.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from starlette.requests import HTTPConnection

TIMEOUT_SECONDS = 10.0
# Built once: loading the CA bundle costs tens of milliseconds, more than a query.
_TLS = httpx.create_ssl_context()


class PrometheusUnavailable(RuntimeError):
    """Prometheus could not answer; the message says why, without any credential."""


def prometheus_url(conn: HTTPConnection) -> str:
    """The engine's setting (`app.state.prometheus_url`) or the PROMETHEUS_URL environment variable."""
    url = getattr(conn.app.state, "prometheus_url", None) or os.environ.get("PROMETHEUS_URL", "")
    if not url:
        raise PrometheusUnavailable("Prometheus is not configured: set PROMETHEUS_URL for the engine")
    return url.rstrip("/")


async def _get(base: str, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, verify=_TLS) as client:
            response = await client.get(f"{base}{path}", params=params)
    except httpx.HTTPError as exc:
        raise PrometheusUnavailable(f"Prometheus at {base} is unreachable ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or body.get("status") != "success":
        detail = body.get("error") or f"HTTP {response.status_code}"
        raise PrometheusUnavailable(f"Prometheus at {base} refused the query: {detail}")
    return body["data"]["result"]


def aligned_window(range_seconds: float, step: float) -> tuple[float, float]:
    """(start, end) of the last `range_seconds`, aligned to the step so charts share timestamps."""
    end = time.time() // step * step
    return end - range_seconds, end


async def query_range(base: str, query: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
    """Matrix result of `query` from start to end: [{"metric": {...}, "values": [[t, "v"], ...]}]."""
    params = {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
    return await _get(base, "/api/v1/query_range", params)


async def query(base: str, expr: str) -> list[dict[str, Any]]:
    """Instant vector result of `expr`: [{"metric": {...}, "value": [t, "v"]}]."""
    return await _get(base, "/api/v1/query", {"query": expr})
