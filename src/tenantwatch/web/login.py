"""Log in with an API key typed into a form, log out; the key never appears in a URL.

The key is checked by the engine's own verification function (`app.state.verify_key`,
token -> principal with `kind` and `tenant`), so the dashboard accepts exactly the keys
the API accepts. Intake keys (Alertmanager's) cannot open a dashboard session.

Login CSRF (another site logging the visitor into the attacker's tenant) is refused twice:
the post must carry the form's token, bound to a SameSite=Strict login cookie that another
site's page can neither read nor send, and its Origin/Referer must be this dashboard. Wrong
keys count towards the same failed-authentication limits as the API's (429 past them); a
valid key is never slowed down by them.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tenantwatch.engine.api.security import failed_authentication
from tenantwatch.web.inputs import PageRoute, same_origin
from tenantwatch.web.sessions import (COOKIE_NAME, LOGIN_COOKIE, LOGIN_MAX_AGE_SECONDS, MAX_AGE_SECONDS, Session,
                                      current_session, principal_for_key, session_store, viewer_of)
from tenantwatch.web.views import page

router = APIRouter(route_class=PageRoute)
LOGIN_PATH = "/ui/login"


def _local_path(target: str | None) -> str:
    """Only a path of this dashboard, so the login form cannot redirect to another site."""
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/"


def csrf_ok(session: Session, token: str) -> bool:
    return hmac.compare_digest(session.csrf_token, token or "")


def _secure(request: Request) -> bool:
    """Cookies are Secure when the browser came over HTTPS (directly or via a trusted proxy)."""
    return request.url.scheme == "https"


def _login_page(request: Request, next: str | None, status_code: int = 200, error: str | None = None,
                headers: dict[str, str] | None = None) -> Response:
    """The login form with its token, and the login cookie that token is bound to."""
    cookie, token = session_store(request).login_form(request.cookies.get(LOGIN_COOKIE))
    response = page(request, "login.html", None, status_code=status_code, next=_local_path(next),
                    login_token=token, error=error)
    response.headers.update(headers or {})
    response.set_cookie(LOGIN_COOKIE, cookie, max_age=LOGIN_MAX_AGE_SECONDS, path=LOGIN_PATH, httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


@router.get(LOGIN_PATH, include_in_schema=False)
async def login_form(request: Request, next: str | None = None) -> Response:
    if await current_session(request):
        return RedirectResponse(_local_path(next), status_code=303)
    return _login_page(request, next)


@router.post(LOGIN_PATH, include_in_schema=False)
async def login(request: Request, key: str = Form(""), next: str = Form("/ui/"), csrf: str = Form("")) -> Response:
    if not same_origin(request) or not session_store(request).login_form_ok(request.cookies.get(LOGIN_COOKIE), csrf):
        return _login_page(request, next, 403, "That login form expired or came from another site; log in here.")
    key = key.strip()
    principal = await principal_for_key(request, key)
    viewer = viewer_of(principal)
    if viewer is None:
        retry_after = failed_authentication(request) if key and principal is None else None
        if retry_after is not None:
            return _login_page(request, next, 429, f"Too many failed log-ins; try again in {retry_after} seconds.",
                               {"Retry-After": str(retry_after)})
        return _login_page(request, next, 401,
                           "That key was not accepted. Use a tenant or admin key from `tenantwatch keys create`.")
    _, cookie = session_store(request).open(viewer, key)
    response = RedirectResponse(_local_path(next), status_code=303)
    response.set_cookie(COOKIE_NAME, cookie, max_age=MAX_AGE_SECONDS, path="/", httponly=True,
                        samesite="lax", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/ui/logout", include_in_schema=False)
async def logout(request: Request, csrf: str = Form("")) -> Response:
    """Ends the session; a post from another site (or without the page's token) changes nothing."""
    session = await current_session(request)
    if session is not None and same_origin(request) and csrf_ok(session, csrf):
        session_store(request).close(request.cookies.get(COOKIE_NAME))
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/")
        return response
    return RedirectResponse(LOGIN_PATH if session is None else "/ui/", status_code=303)
