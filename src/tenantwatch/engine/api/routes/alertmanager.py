"""POST /api/v1/alertmanager: the Alertmanager webhook (payload version 4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from tenantwatch import conventions
from tenantwatch.engine.api.bodylimit import read_capped
from tenantwatch.engine.api.deps import EngineDep, get_principal
from tenantwatch.engine.api.errors import ApiError
from tenantwatch.engine.api.responses import IntakeOut, errors
from tenantwatch.engine.auth import Principal
from tenantwatch.engine.intake.payload import MAX_BODY_BYTES, InvalidPayload, MalformedJson, parse_webhook

router = APIRouter(tags=["intake"])


async def intake_principal(request: Request, engine: EngineDep) -> Principal:
    """The caller's key; refused keys are counted too (a misconfigured Alertmanager shows up).
    Async, so the check runs on the event loop: one indexed lookup (0.05-0.2 ms) costs less
    than handing it to a worker thread, which cost 0.8 ms of CPU per webhook under load."""
    try:
        return get_principal(request)
    except ApiError:
        engine.metrics.intake_errors.labels(reason="unauthorized").inc()
        raise


@router.post(conventions.ENGINE_WEBHOOK_PATH.removeprefix(conventions.ENGINE_API_PREFIX), summary="Alertmanager webhook (version 4)",
             response_model=IntakeOut, response_model_exclude_none=True, responses=errors(400, 401, 403, 413, 422, 429))
async def alertmanager_webhook(request: Request, principal: Annotated[Principal, Depends(intake_principal)],
                               engine: EngineDep, wait: bool = False) -> JSONResponse:
    """Answers once the alerts are on disk (the intake log); incidents follow within
    milliseconds, and reads wait for them. `wait=true` answers after the alerts are processed
    too, with what they did: `new`, `resolved`, `incidents` (ids touched). An intake (or admin)
    key may post any tenant's alerts; a tenant key only its own tenant's (403 otherwise)."""
    refusals = engine.metrics.intake_errors
    if principal.kind not in ("intake", "tenant", "admin"):
        raise ApiError(403, "forbidden", "this key may not post alerts")
    body = await read_capped(request.stream(), request.headers.get("content-length"), MAX_BODY_BYTES)
    if body is None:
        refusals.labels(reason="too_large").inc()
        raise ApiError(413, "payload_too_large", f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = parse_webhook(body)
    except MalformedJson as exc:
        refusals.labels(reason="malformed_json").inc()
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    except InvalidPayload as exc:
        refusals.labels(reason="invalid_payload").inc()
        raise ApiError(422, "invalid_payload", str(exc)) from None
    if principal.kind == "tenant" and payload.tenants - {principal.tenant}:
        refusals.labels(reason="forbidden_tenant").inc()
        raise ApiError(403, "forbidden", f"a key of tenant {principal.tenant} may only post that tenant's alerts")
    # a Response, so FastAPI does not validate and serialise the answer again (response_model
    # still documents it): 0.1-0.2 ms a webhook
    return JSONResponse(await engine.accept(body, payload, principal.name, wait=wait))
