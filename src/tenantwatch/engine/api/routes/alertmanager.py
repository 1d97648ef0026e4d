"""POST /api/v1/alertmanager: the Alertmanager webhook (payload version 4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError

from tenantwatch import conventions
from tenantwatch.engine.api.bodylimit import read_capped
from tenantwatch.engine.api.deps import EngineDep, get_principal
from tenantwatch.engine.api.errors import ApiError, validation_message
from tenantwatch.engine.api.responses import IntakeOut, errors
from tenantwatch.engine.auth import Principal
from tenantwatch.engine.intake.payload import MAX_BODY_BYTES, WebhookIn, might_hold_nul

router = APIRouter(tags=["intake"])


def intake_principal(request: Request, engine: EngineDep) -> Principal:
    """The caller's key; refused keys are counted too (a misconfigured Alertmanager shows up)."""
    try:
        return get_principal(request)
    except ApiError:
        engine.metrics.intake_errors.labels(reason="unauthorized").inc()
        raise


@router.post(conventions.ENGINE_WEBHOOK_PATH.removeprefix(conventions.ENGINE_API_PREFIX), summary="Alertmanager webhook (version 4)",
             response_model=IntakeOut, response_model_exclude_none=True, responses=errors(400, 401, 403, 413, 422, 429))
async def alertmanager_webhook(request: Request, principal: Annotated[Principal, Depends(intake_principal)],
                               engine: EngineDep, wait: bool = False) -> dict[str, object]:
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
        payload = WebhookIn.model_validate_json(body, context={"nul_possible": might_hold_nul(body)})
    except ValidationError as exc:
        problems = exc.errors(include_input=False, include_url=False)
        if problems and problems[0]["type"] == "json_invalid":
            refusals.labels(reason="malformed_json").inc()
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {problems[0]['msg']}") from None
        refusals.labels(reason="invalid_payload").inc()
        raise ApiError(422, "invalid_payload", validation_message(problems)) from None
    if principal.kind == "tenant" and payload.tenants - {principal.tenant}:
        refusals.labels(reason="forbidden_tenant").inc()
        raise ApiError(403, "forbidden", f"a key of tenant {principal.tenant} may only post that tenant's alerts")
    return await engine.accept(body, payload, principal.name, wait=wait)
