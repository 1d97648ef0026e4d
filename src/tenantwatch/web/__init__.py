"""The live web dashboard, served by the engine under /ui, and the API docs page at /docs.

The engine calls `install(app)`. What the dashboard reads from `app.state` (all optional but
the first): `verify_key(token) -> principal` (with `kind` tenant|admin|intake, `name`,
`tenant`), `auth_limiter` (failed log-ins count with the API's failed keys), `spec`
(tenants, objectives, the engine's address), `events` (the broadcaster: `subscribe()` of
incident changes), `prometheus_url` (else PROMETHEUS_URL), `reports_dir` (else
TENANTWATCH_REPORTS_DIR). Incidents are read and acted on through the engine's public API
(`/api/v1/...`) with the logged-in user's own key.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from tenantwatch.engine.api.bodylimit import BodyLimit
from tenantwatch.web import api, docs, live, login, pages, reports
from tenantwatch.web.inputs import MAX_FORM_BYTES, too_large
from tenantwatch.web.live import StreamSlots
from tenantwatch.web.sessions import new_session_store

router = APIRouter()
for _part in (login, pages, api, live, reports, docs):
    router.include_router(_part.router)


def install(app: FastAPI) -> None:
    """The dashboard's routes, its sessions and stream slots, and the cap on its form bodies."""
    app.state.web_sessions = new_session_store()
    app.state.web_streams = StreamSlots()
    app.include_router(router)
    app.add_middleware(BodyLimit, prefix="/ui/", limit=MAX_FORM_BYTES, refuse=too_large)


__all__ = ["install", "router"]
