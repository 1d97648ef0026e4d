"""Liveness, readiness and the engine's own metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tenantwatch.engine.api.errors import error_response
from tenantwatch.engine.api.responses import ErrorOut, StatusOut

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up (no key needed)", response_model=StatusOut)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store is reachable", response_model=StatusOut,
            responses={503: {"model": ErrorOut, "description": "The database cannot be reached"}})
async def readyz(request: Request) -> dict[str, str] | Response:
    if await run_in_threadpool(request.app.state.store.ping):
        return {"status": "ready"}
    return error_response(503, "store_unavailable", "the database cannot be reached")


@router.get("/metrics", summary="Prometheus metrics of the engine", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
                             "description": "The Prometheus text exposition format"}})
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
