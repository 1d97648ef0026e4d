"""Incidents of the caller's tenant and the platform incidents that affect it (all incidents
for an admin key); a tenant key reads platform incidents but may not act on them."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Callable, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict

from tenantwatch.conventions import Severity
from tenantwatch.engine.api.deps import EngineDep, ReaderDep
from tenantwatch.engine.api.errors import ApiError
from tenantwatch.engine.api.params import Cursor, RowId, TenantParam, checked_cursor, printable
from tenantwatch.engine.api.responses import AUTHENTICATED, IncidentOut, IncidentPage, errors
from tenantwatch.engine.incidents.lifecycle import Conflict, StillFiring
from tenantwatch.engine.usecases import NotFound, ReadOnly

router = APIRouter(prefix="/incidents", tags=["incidents"], responses=AUTHENTICATED)


class ResolveIn(BaseModel):
    """`{"force": true}` resolves even while alerts of the incident still fire."""

    model_config = ConfigDict(extra="forbid")
    force: bool = False


@router.get("", summary="List incidents (newest first)", response_model=IncidentPage, responses=errors(400, 404))
def list_incidents(principal: ReaderDep, engine: EngineDep, tenant: TenantParam,
                   status: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query(
                       description="Only incidents in this state.")] = None,
                   severity: Annotated[Severity | None, Query(
                       description="Only incidents of this severity.")] = None,
                   service: Annotated[str | None, Query(max_length=64, description="Only incidents with an alert on this service.")] = None,
                   limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
                   cursor: Cursor = None) -> dict[str, Any]:
    """`tenant` (admin, or a tenant key naming itself): what that tenant sees, i.e. its own
    incidents and the platform incidents that affect it."""
    return engine.incidents(principal, status=status, severity=severity, service=printable("service", service),
                            tenant=tenant, limit=limit, before_id=checked_cursor(cursor))


def _guard(call: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """The service's domain errors as API errors (404 covers another tenant's incident too)."""
    try:
        return call(*args)
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except ReadOnly as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except StillFiring as exc:
        raise ApiError(409, "still_firing", str(exc)) from None
    except Conflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None


@router.get("/{incident_id}", summary="One incident with its alerts and timeline", response_model=IncidentOut,
            responses=errors(404))
def get_incident(incident_id: RowId, principal: ReaderDep, engine: EngineDep) -> dict[str, Any]:
    return _guard(engine.incident, principal, incident_id)


@router.post("/{incident_id}/ack", summary="Acknowledge: stops escalation", response_model=IncidentOut,
             responses=errors(404, 409))
def ack_incident(incident_id: RowId, principal: ReaderDep, engine: EngineDep) -> dict[str, Any]:
    return _guard(engine.acknowledge, principal, incident_id)


@router.post("/{incident_id}/resolve", summary="Resolve: closes the incident (409 still_firing unless forced)",
             response_model=IncidentOut, responses=errors(400, 404, 409, 413))
def resolve_incident(incident_id: RowId, principal: ReaderDep, engine: EngineDep,
                     body: Annotated[ResolveIn | None, Body()] = None) -> dict[str, Any]:
    """While an alert of the incident still fires the answer is 409 `still_firing`, naming the
    alerts; the body `{"force": true}` resolves anyway (no body or `{}` is not forced), and a
    still-firing alert then opens a new incident the next time Alertmanager sends it."""
    return _guard(partial(engine.resolve, force=bool(body and body.force)), principal, incident_id)
