"""The dashboard's HTML pages: tenants overview, incident list and detail, charts.

Routes stay thin: incidents come from the engine's API with the viewer's key (so the
engine's tenant scope applies), metrics from Prometheus through the tenant-enforced queries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from tenantwatch.web import prometheus, reports, slo
from tenantwatch.web.engine_api import EngineApi, EngineError
from tenantwatch.web.inputs import PageRoute, incident_number, same_origin
from tenantwatch.web.login import csrf_ok
from tenantwatch.web.sessions import COOKIE_NAME, Session, current_session, session_store
from tenantwatch.web.signals import SIGNALS, SignalError, check_tenant_id
from tenantwatch.web.views import error, page, to_login, visible_tenants

router = APIRouter(route_class=PageRoute)


class KeyRevoked(Exception):
    """The engine no longer accepts the session's key: the session ends."""


def _not_found(request: Request, session: Session, incident_id: object) -> Response:
    return page(request, "missing.html", session, status_code=404, message=f"Incident {incident_id} was not found.")


def _refused(request: Request, session: Session, exc: EngineError, incident_id: int, doing: str) -> Response:
    """The page for an engine refusal: login again (key revoked), not found, or the engine's
    words (a platform incident is read-only for a tenant user: 403)."""
    if exc.status == 401:
        session_store(request).close(request.cookies.get(COOKIE_NAME))
        return to_login(request)
    if exc.status in (400, 404, 422):
        return _not_found(request, session, incident_id)
    return page(request, "missing.html", session, status_code=exc.status if exc.status in (403, 409) else 502,
                message=f"The engine refused to {doing} incident {incident_id}: {exc}")


async def _incidents(request: Request, session: Session, **filters: str) -> tuple[list[dict[str, Any]], str | None,
                                                                                   EngineError | None]:
    """A page of the viewer's incidents, the next page's cursor, and the engine's refusal if it refused."""
    try:
        items, cursor = await EngineApi(request, session.key).incident_page(**filters)
        return items, cursor, None
    except EngineError as exc:
        if exc.status == 401:
            session_store(request).close(request.cookies.get(COOKIE_NAME))
            raise KeyRevoked from None
        return [], None, exc


async def unresolved_incidents(request: Request, session: Session) -> tuple[list[dict[str, Any]], str | None]:
    """Open and acknowledged incidents (a page each), so resolved history never hides them."""
    found, problems = [], []
    for status in ("open", "acknowledged"):
        items, _, problem = await _incidents(request, session, status=status)
        found += items
        problems += [str(problem)] if problem else []
    return found, problems[0] if problems else None


@router.get("/ui/api/overview", include_in_schema=False)
async def overview_counts(request: Request) -> Response:
    """Unresolved incidents per visible tenant, for the overview's live refresh."""
    session = await current_session(request)
    if session is None:
        return error(401, "unauthenticated", "log in first")
    try:
        incidents, problem = await unresolved_incidents(request, session)
    except KeyRevoked:
        return error(401, "unauthenticated", "log in again")
    if problem:
        return error(502, "engine_error", problem)
    counts = slo.unresolved_by_tenant(incidents)
    return JSONResponse({"tenants": {t: c for t, c in counts.items() if session.viewer.can_see(t)}})


@router.get("/ui", include_in_schema=False)
@router.get("/ui/", include_in_schema=False)
async def overview(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    try:
        incidents, problem = await unresolved_incidents(request, session)
    except KeyRevoked:
        return to_login(request)
    tenants = visible_tenants(request, session, incidents)
    spec = getattr(request.app.state, "spec", None)
    metrics_problem, ratios = None, {}
    if tenants:
        try:
            base = prometheus.prometheus_url(request)
            result = await prometheus.query(base, slo.error_ratio_query(tenants, slo.slo_period(spec)))
            ratios = slo.ratios_by_tenant(result)
        except prometheus.PrometheusUnavailable as exc:
            metrics_problem = str(exc)
    rows = slo.tenant_health(spec, tenants, incidents, ratios)
    return page(request, "overview.html", session, rows=rows, prometheus_problem=metrics_problem,
                problem=problem, reports=reports.listing(request, session.viewer))


@router.get("/ui/incidents", include_in_schema=False)
async def incident_list(request: Request, status: str = "", severity: str = "", service: str = "",
                        cursor: str = "") -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    chosen = {"status": status, "severity": severity, "service": service}
    try:
        incidents, older, problem = await _incidents(request, session, cursor=cursor, **chosen)
    except KeyRevoked:
        return to_login(request)
    older_url = f"/ui/incidents?{urlencode({**chosen, 'cursor': older})}" if older else None
    bad_filter = problem is not None and 400 <= problem.status < 500  # e.g. an unknown status or a forged cursor
    return page(request, "incidents.html", session, status_code=400 if bad_filter else 200, incidents=incidents,
                filters=chosen, problem=str(problem) if problem else None, older_url=older_url, paged=bool(cursor))


@router.get("/ui/incidents/{incident_id}", include_in_schema=False)
async def incident_detail(request: Request, incident_id: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    number = incident_number(incident_id)
    if number is None:
        return _not_found(request, session, incident_id[:32])
    return await _incident_page(request, session, number)


async def _incident_page(request: Request, session: Session, incident_id: int, status_code: int = 200,
                         **context: Any) -> Response:
    try:
        incident = await EngineApi(request, session.key).incident(incident_id)
    except EngineError as exc:
        return _refused(request, session, exc, incident_id, "show")
    return page(request, "incident.html", session, status_code=status_code, incident=incident,
                may_act=session.viewer.may_act_on(incident), **_detail_sections(incident), **context)


def _detail_sections(incident: dict[str, Any]) -> dict[str, Any]:
    """Timeline, correlated alerts, and the remediation log (the timeline's remediation entries)."""
    timeline = incident.get("timeline") or []
    return {
        "timeline": timeline,
        "alerts": incident.get("alerts") or [],
        "remediations": [e for e in timeline if str(e.get("kind", "")).startswith("remediation")],
    }


@router.post("/ui/incidents/{incident_id}/{action}", include_in_schema=False)
async def incident_action(request: Request, incident_id: str, action: str, csrf: str = Form(""),
                          force: bool = Form(False)) -> Response:
    """Acknowledge or resolve. Resolving while alerts still fire shows the incident again with
    the engine's explanation and a "Resolve anyway" button (which sends `force`)."""
    session = await current_session(request)
    if session is None:
        return to_login(request)
    if action not in ("ack", "resolve") or not csrf_ok(session, csrf) or not same_origin(request):
        return page(request, "missing.html", session, status_code=400,
                    message="That action was refused (unknown action, expired form or another site); reload the page and retry.")
    number = incident_number(incident_id)
    if number is None:
        return _not_found(request, session, incident_id[:32])
    api = EngineApi(request, session.key)
    try:
        await api.act(number, action, force=force)
    except EngineError as exc:
        if exc.code != "still_firing":
            return _refused(request, session, exc, number, action)
        return await _incident_page(request, session, number, status_code=409, still_firing=str(exc))
    return RedirectResponse(f"/ui/incidents/{number}", status_code=303)


@router.get("/ui/charts", include_in_schema=False)
async def charts(request: Request, tenant: str = "") -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    if not session.viewer.is_admin:
        if tenant and tenant != session.viewer.tenant:
            return page(request, "missing.html", session, status_code=403,
                        message="A tenant user sees its own tenant's charts only.")
        tenant = session.viewer.tenant or ""
    choices = visible_tenants(request, session, [])
    try:
        chosen = check_tenant_id(tenant) if tenant else (choices[0] if choices else "")
    except SignalError:
        chosen = ""
    return page(request, "charts.html", session, tenant=chosen, tenants=choices, signals=SIGNALS)
