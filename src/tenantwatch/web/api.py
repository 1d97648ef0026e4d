"""The dashboard's JSON endpoints: tenant-enforced series, one incident, and static files.

`/ui/api/series` is the only way the browser reads metrics: a signal name from the
allowlist, never PromQL; the tenant is the session's (an admin names one). Errors use the
engine's shape `{"error": {"code", "message"}}`, and Prometheus trouble is a 503 with a
message the page shows, never a 500.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.responses import Response

from tenantwatch import conventions
from tenantwatch.web import docs, prometheus
from tenantwatch.web.engine_api import EngineApi, EngineError
from tenantwatch.web.inputs import incident_number
from tenantwatch.web.sessions import current_session
from tenantwatch.web.signals import (DEFAULT_PREFIX, SIGNALS, SignalError, build_queries, check_tenant_id,
                                     parse_range)
from tenantwatch.web.views import error

router = APIRouter()
STATIC = (Path(__file__).parent / "static").resolve()


def _static_files() -> dict[str, Path]:
    """Every file the dashboard serves, by its URL name: its own folder (not Python files)
    and the API docs' pinned assets. Requests are looked up here, never joined to a path."""
    own = {p.relative_to(STATIC).as_posix(): p for p in STATIC.rglob("*")
           if p.is_file() and p.suffix not in (".py", ".pyc")}
    return {**own, **{f"{docs.VENDOR}/{name}": path for name, path in docs.pinned_assets().items()}}


STATIC_FILES = _static_files()


def _metrics_prefix(request: Request) -> str:
    spec = getattr(request.app.state, "spec", None)
    return spec.tenant_isolation.metrics_prefix if spec is not None else DEFAULT_PREFIX


def _labels(metric: dict[str, str]) -> dict[str, str]:
    """Series labels without the recording rule's name, so both sources look alike."""
    return {k: v for k, v in metric.items() if k != "__name__"}


def _number(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


@router.get("/ui/api/series", include_in_schema=False)
async def series(request: Request, signal: str = "", range: str = "1h", tenant: str = "") -> Response:
    """Points of one allowlisted signal for one tenant, the tenant label enforced server-side."""
    session = await current_session(request)
    if session is None:
        return error(401, "unauthenticated", "log in first")
    viewer = session.viewer
    if not viewer.is_admin:
        if tenant and tenant != viewer.tenant:
            return error(403, "forbidden", "tenant: a tenant session reads its own tenant only")
        tenant = viewer.tenant or ""
    try:
        if not tenant:
            raise SignalError("tenant: an admin session must choose a tenant")
        queries = build_queries(signal, check_tenant_id(tenant), _metrics_prefix(request))
        range_seconds, step = parse_range(range)
        base = prometheus.prometheus_url(request)
        start, end = prometheus.aligned_window(range_seconds, step)
        for query in queries:  # the recording rule first, input metrics when it has no data
            result = await prometheus.query_range(base, query, start, end, step)
            lines = [
                {"labels": _labels(r["metric"]), "points": [[float(t), _number(v)] for t, v in r["values"]]}
                for r in result if r["metric"].get(conventions.TENANT) == tenant
            ]
            if lines:
                break
    except SignalError as exc:
        return error(400, "bad_request", str(exc))
    except prometheus.PrometheusUnavailable as exc:
        return error(503, "prometheus_unavailable", str(exc))
    chart = SIGNALS[signal]
    return JSONResponse({"signal": signal, "title": chart.title, "unit": chart.unit, "tenant": tenant,
                         "start": start, "end": end, "step": step, "series": lines})


@router.get("/ui/api/incidents/{incident_id}", include_in_schema=False)
async def incident(request: Request, incident_id: str) -> Response:
    """One incident as the engine shows it to the viewer's key (for live refresh of the detail page)."""
    session = await current_session(request)
    if session is None:
        return error(401, "unauthenticated", "log in first")
    number = incident_number(incident_id)
    if number is None:
        return error(404, "not_found", "no such incident")
    try:
        body: Any = await EngineApi(request, session.key).incident(number)
    except EngineError as exc:
        if exc.status == 401:
            return error(401, "unauthenticated", "log in again")
        if 400 <= exc.status < 500:
            return error(404, "not_found", f"incident {number} not found")
        return error(502, "engine_error", str(exc))
    return JSONResponse(body)


@router.get("/ui/static/{name:path}", include_in_schema=False)
async def static_file(name: str) -> Response:
    """The dashboard's own CSS/JS, the vendored uPlot and the API docs' assets; nothing else."""
    path = STATIC_FILES.get(name)
    if path is None:
        return error(404, "not_found", "no such file")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})
