"""Log in with an API key typed into a form, log out; the key never appears in a URL.

The key is checked by the engine's own verification function (`app.state.verify_key`,
token -> principal with `kind` and `tenant`), so the dashboard accepts exactly the keys
the API accepts. Intake keys (Alertmanager's) cannot open a dashboard session.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tenantwatch.web.sessions import COOKIE_NAME, MAX_AGE_SECONDS, Session, current_session, session_store, viewer_for_key
from tenantwatch.web.views import page

router = APIRouter()


def _local_path(target: str | None) -> str:
    """Only a path of this dashboard, so the login form cannot redirect to another site."""
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/"


def csrf_ok(session: Session, token: str) -> bool:
    return hmac.compare_digest(session.csrf_token, token or "")


@router.get("/ui/login", include_in_schema=False)
async def login_form(request: Request, next: str | None = None) -> Response:
    if await current_session(request):
        return RedirectResponse(_local_path(next), status_code=303)
    return page(request, "login.html", None, next=_local_path(next))


@router.post("/ui/login", include_in_schema=False)
async def login(request: Request, key: str = Form(""), next: str = Form("/ui/")) -> Response:
    viewer = await viewer_for_key(request, key.strip())
    if viewer is None:
        return page(request, "login.html", None, status_code=401, next=_local_path(next),
                    error="That key was not accepted. Use a tenant or admin key from `tenantwatch keys create`.")
    _, cookie = session_store(request).open(viewer, key.strip())
    response = RedirectResponse(_local_path(next), status_code=303)
    response.set_cookie(COOKIE_NAME, cookie, max_age=MAX_AGE_SECONDS, path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


@router.post("/ui/logout", include_in_schema=False)
async def logout(request: Request, csrf: str = Form("")) -> Response:
    session = await current_session(request)
    if session is not None and csrf_ok(session, csrf):
        session_store(request).close(request.cookies.get(COOKIE_NAME))
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
