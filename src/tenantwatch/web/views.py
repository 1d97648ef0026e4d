"""Shared helpers of the dashboard's routes: templates, the JSON error shape, the login
redirect, the viewer's tenants.

Templates autoescape everything, so incident titles and alert labels (text that came from
alerts, i.e. from outside) can never inject markup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from tenantwatch.web.sessions import Session

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
# Pages load only their own scripts and styles, cannot be framed by another site, and no
# injected <base> or <object> could redirect their links or run plugins.
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
               "base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _when(value: Any) -> str:
    """An ISO timestamp as `YYYY-MM-DD HH:MM:SS UTC`, or the value unchanged if it is not one."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


templates.env.filters["when"] = _when


def page(request: Request, name: str, session: Session | None, status_code: int = 200, **context: Any) -> Response:
    """Render a template with what every page needs (viewer, CSRF token for its forms)."""
    context.update(
        viewer=session.viewer if session else None,
        csrf=session.csrf_token if session else "",
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=SECURITY_HEADERS)


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The engine's error shape, for the dashboard's JSON routes."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def to_login(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the login form, remembering only a local path to come back to."""
    return RedirectResponse(f"/ui/login?next={quote(request.url.path, safe='/')}", status_code=303)


def visible_tenants(request: Request, session: Session, incidents: list[dict[str, Any]]) -> list[str]:
    """The tenants the viewer may look at: its own, or (admin) every tenant of the spec and of incidents."""
    if not session.viewer.is_admin:
        return [session.viewer.tenant or ""]
    spec = getattr(request.app.state, "spec", None)
    known = set(spec.tenants) if spec is not None else set()
    known.update(i["tenant"] for i in incidents if i.get("tenant"))
    return sorted(known)
