"""Links to the reports other commands write (compliance, business KPIs), per tenant.

Reports live in `<reports dir>/<tenant>/<file>` (`app.state.reports_dir` or the environment
variable TENANTWATCH_REPORTS_DIR). A tenant sees and downloads only its own folder; a file
name is letters, digits, `.`, `_` and `-` (not leading), so no request can leave that folder.

Reports come from other tools, so they are never trusted on the dashboard's origin: HTML is
shown under a CSP `sandbox` without scripts (a unique origin: no cookies, no calls to the
dashboard), text formats are served as text/plain or JSON under the same policy, and CSV and
PDF (which a browser would hand to a plugin or viewer) are downloads.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.requests import HTTPConnection
from starlette.responses import Response

from tenantwatch.web.inputs import PageRoute
from tenantwatch.web.sessions import Viewer, current_session
from tenantwatch.web.signals import SignalError, check_tenant_id
from tenantwatch.web.views import page, to_login

router = APIRouter(route_class=PageRoute)
# what each kind of report is served as; None: a download
REPORT_TYPES = {".html": "text/html", ".md": "text/plain", ".txt": "text/plain", ".json": "application/json",
                ".csv": None, ".pdf": None}
REPORT_POLICY = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                 "base-uri 'none'; form-action 'none'")
_REPORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class Report:
    tenant: str
    name: str

    @property
    def url(self) -> str:
        return f"/ui/reports/{self.tenant}/{self.name}"


def reports_dir(conn: HTTPConnection) -> Path | None:
    configured = getattr(conn.app.state, "reports_dir", None) or os.environ.get("TENANTWATCH_REPORTS_DIR")
    return Path(configured) if configured else None


def listing(conn: HTTPConnection, viewer: Viewer) -> list[Report]:
    """The viewer's reports, newest tenant folders' files sorted by name."""
    root = reports_dir(conn)
    if root is None or not root.is_dir():
        return []
    folders = [root / viewer.tenant] if viewer.tenant else sorted(p for p in root.iterdir() if p.is_dir())
    return [Report(folder.name, f.name) for folder in folders if folder.is_dir()
            for f in sorted(folder.iterdir()) if f.is_file() and f.suffix in REPORT_TYPES and _safe_name(f.name)]


def _safe_name(name: str) -> bool:
    return _REPORT_NAME.fullmatch(name) is not None


@router.get("/ui/reports/{tenant}/{name}", include_in_schema=False)
async def report_file(request: Request, tenant: str, name: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    root = reports_dir(request)
    try:
        check_tenant_id(tenant)
    except SignalError:
        root = None
    path = root / tenant / name if root is not None and _safe_name(name) else None
    if path is None or not session.viewer.can_see(tenant) or not path.is_file() or path.suffix not in REPORT_TYPES:
        return page(request, "missing.html", session, status_code=404, message="That report was not found.")
    media_type = REPORT_TYPES[path.suffix]
    if media_type is None:
        return FileResponse(path, filename=name, content_disposition_type="attachment")
    return FileResponse(path, media_type=media_type, headers={"Content-Security-Policy": REPORT_POLICY})
