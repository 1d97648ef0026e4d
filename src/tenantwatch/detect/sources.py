"""Reading series from the Prometheus HTTP API, with errors a user can act on."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import numpy as np

from tenantwatch import conventions


class SourceError(RuntimeError):
    """Prometheus is unreachable or refused the query; the message names the URL and reason."""


@dataclass(frozen=True)
class RangeSeries:
    labels: dict[str, str]
    times: np.ndarray  # unix seconds
    values: np.ndarray

    @property
    def key(self) -> str:
        """One detector state per (tenant, service, signal): the full label set identifies it."""
        return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items())) + "}"

    @property
    def tenant(self) -> str:
        return self.labels.get(conventions.TENANT, conventions.PLATFORM_TENANT)


class Prometheus:
    """A small client for /api/v1/query_range (range queries are all detectors need)."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self._client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def query_range(self, query: str, start: float, end: float, step: float) -> list[RangeSeries]:
        params = {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        endpoint = f"{self.url}/api/v1/query_range"
        try:
            response = self._client.get(endpoint, params=params)
        except httpx.HTTPError as exc:
            raise SourceError(f"cannot reach Prometheus at {self.url}: {exc.__class__.__name__}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"Prometheus at {self.url} answered HTTP {response.status_code} "
                              "with something that is not JSON; is this a Prometheus URL?") from None
        if response.status_code != 200 or body.get("status") != "success":
            reason = body.get("error") or f"HTTP {response.status_code}"
            raise SourceError(f"Prometheus at {self.url} refused {query!r}: {body.get('errorType', 'error')}: {reason}")
        data = body.get("data", {})
        if data.get("resultType") != "matrix":
            raise SourceError(f"query {query!r} returned {data.get('resultType')!r}, expected a range vector")
        return [_series(item) for item in data.get("result", [])]


def _series(item: dict) -> RangeSeries:
    points = item.get("values", [])
    times = np.array([float(t) for t, _ in points])
    values = np.array([_number(v) for _, v in points])
    return RangeSeries(dict(item.get("metric", {})), times, values)


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")
