"""The live web dashboard, served by the engine under /ui.

The engine includes `router`. What the dashboard reads from `app.state` (all optional but
the first): `verify_key(token) -> principal` (with `kind` tenant|admin|intake, `name`,
`tenant`), `spec` (tenants, objectives), `events` (the broadcaster: `subscribe()` of
incident changes), `prometheus_url` (else PROMETHEUS_URL), `reports_dir` (else
TENANTWATCH_REPORTS_DIR). Incidents are read and acted on through the engine's public API
(`/api/v1/incidents...`) with the logged-in user's own key.
"""

from __future__ import annotations

from fastapi import APIRouter

from tenantwatch.web import api, live, login, pages, reports

router = APIRouter()
for _part in (login, pages, api, live, reports):
    router.include_router(_part.router)

__all__ = ["router"]
