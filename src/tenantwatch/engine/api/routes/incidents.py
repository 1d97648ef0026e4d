"""Incidents of the caller's tenant (all tenants for an admin key)."""

from __future__ import annotations

from typing import Annotated, Any, Callable, Literal

from fastapi import APIRouter, Path, Query

from tenantwatch.engine.api.deps import EngineDep, ReaderDep
from tenantwatch.engine.api.errors import ApiError
from tenantwatch.engine.incidents import Conflict
from tenantwatch.engine.service import NotFound

router = APIRouter(prefix="/incidents", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=2**62)]


def _cursor(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise ApiError(400, "bad_cursor", "cursor must be the next_cursor of a previous page")
    return int(value)


@router.get("", summary="List incidents (newest first)")
def list_incidents(principal: ReaderDep, engine: EngineDep,
                   status: Literal["open", "acknowledged", "resolved"] | None = None,
                   severity: Literal["critical", "warning", "info"] | None = None,
                   service: Annotated[str | None, Query(max_length=64)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   cursor: Annotated[str | None, Query(max_length=24)] = None) -> dict[str, Any]:
    return engine.incidents(principal, status=status, severity=severity, service=service, limit=limit,
                            before_id=_cursor(cursor))


def _guard(call: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """The service's domain errors as API errors (404 covers another tenant's incident too)."""
    try:
        return call(*args)
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except Conflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None


@router.get("/{incident_id}", summary="One incident with its alerts and timeline")
def get_incident(incident_id: IncidentId, principal: ReaderDep, engine: EngineDep) -> dict[str, Any]:
    return _guard(engine.incident, principal, incident_id)


@router.post("/{incident_id}/ack", summary="Acknowledge: stops escalation")
def ack_incident(incident_id: IncidentId, principal: ReaderDep, engine: EngineDep) -> dict[str, Any]:
    return _guard(engine.acknowledge, principal, incident_id)


@router.post("/{incident_id}/resolve", summary="Resolve: closes the incident")
def resolve_incident(incident_id: IncidentId, principal: ReaderDep, engine: EngineDep) -> dict[str, Any]:
    return _guard(engine.resolve, principal, incident_id)
