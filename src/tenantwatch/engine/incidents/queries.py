"""Read side of the API: the incident JSON and the scoped, filtered, paginated list.

Every query takes the caller's Principal, so no route can forget the tenant scope: a tenant
key only ever sees its own tenant's incidents and the platform incidents that affect it, and
of those only what concerns its own tenant (`affected_tenants` reduced to itself, no
timeline line meant for another tenant).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from tenantwatch.engine.auth import Principal
from tenantwatch.engine.incidents.platform import is_platform
from tenantwatch.engine.store.models import Alert, Incident, IncidentTenant

_DETAILS = (selectinload(Incident.alerts), selectinload(Incident.timeline), selectinload(Incident.affected))


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def alert_json(alert: Alert) -> dict[str, Any]:
    return {"fingerprint": alert.fingerprint, "status": alert.status, "labels": alert.labels,
            "annotations": alert.annotations, "starts_at": _time(alert.starts_at), "ends_at": _time(alert.ends_at)}


def affected_tenants(incident: Incident, viewer: str | None) -> list[str]:
    """A tenant incident affects its tenant; a platform incident the tenants of its rows, of
    which a tenant viewer sees itself only."""
    if not is_platform(incident):
        return [incident.tenant]
    tenants = [row.tenant for row in incident.affected]
    return tenants if viewer is None else [t for t in tenants if t == viewer]


def incident_json(incident: Incident, *, viewer: str | None = None, timeline: bool = True) -> dict[str, Any]:
    """The incident as `viewer` (a tenant id; None for an admin) may see it."""
    body: dict[str, Any] = {
        "id": incident.id, "tenant": incident.tenant, "status": incident.status, "severity": incident.severity,
        "title": incident.title, "services": list(incident.services), "root_cause": incident.root_cause,
        "escalation_level": incident.escalation_level, "acknowledged_by": incident.acknowledged_by,
        "created_at": _time(incident.created_at), "updated_at": _time(incident.updated_at),
        "resolved_at": _time(incident.resolved_at), "alerts": [alert_json(a) for a in incident.alerts],
        "affected_tenants": affected_tenants(incident, viewer), "caused_by": incident.caused_by,
    }
    if timeline:
        body["timeline"] = [{"at": _time(e.at), "kind": e.kind, "who": e.who, "detail": e.detail}
                            for e in incident.timeline if e.tenant is None or viewer is None or e.tenant == viewer]
    return body


def seen_by(tenant: str) -> ColumnElement[bool]:
    """The incidents a tenant sees: its own, and the platform incidents that affect it."""
    return or_(Incident.tenant == tenant,
               Incident.id.in_(select(IncidentTenant.incident_id).where(IncidentTenant.tenant == tenant)))


def scoped(principal: Principal) -> Select[tuple[Incident]]:
    query = select(Incident)
    return query if principal.is_admin else query.where(seen_by(principal.tenant or ""))


def visible_incident(session: Session, principal: Principal, incident_id: int) -> Incident | None:
    """The incident if the caller may see it; None both when absent and when another tenant's."""
    return session.scalars(scoped(principal).where(Incident.id == incident_id).options(*_DETAILS)).first()


def list_incidents(session: Session, principal: Principal, *, status: str | None, severity: str | None,
                   service: str | None, limit: int, before_id: int | None,
                   tenant: str | None = None) -> tuple[list[Incident], int | None]:
    """Newest first; returns the page and the id to continue before (None on the last page)."""
    query = scoped(principal).options(*_DETAILS)
    if tenant:
        query = query.where(seen_by(tenant))
    if status:
        query = query.where(Incident.status == status)
    if severity:
        query = query.where(Incident.severity == severity)
    if service:
        query = query.where(Incident.id.in_(select(Alert.incident_id).where(Alert.service == service)))
    if before_id is not None:
        query = query.where(Incident.id < before_id)
    rows = list(session.scalars(query.order_by(Incident.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
