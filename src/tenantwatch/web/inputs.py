"""What the dashboard accepts from a request, checked before a route runs.

- A form post is `application/x-www-form-urlencoded` (415 otherwise), at most MAX_FORM_BYTES
  (the body cap, enforced while the body arrives) and MAX_FORM_FIELDS fields (413).
- A form post comes from the dashboard itself: its Origin (or Referer) is the dashboard's own
  origin or the engine's configured address (`same_origin`); the forms' tokens are checked
  by the routes.
- A parameter that does not parse (an id that is not a number, a flag that is not a
  boolean) is a 4xx page, or 4xx JSON under /ui/api, never a 5xx nor FastAPI's bare 422.
- Incident ids are ASCII digits of a sane length (`incident_number`), else "not found".
"""

from __future__ import annotations

import re
from typing import Any, Callable, Coroutine
from urllib.parse import urlsplit

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from tenantwatch.engine.store.models import MAX_ROW_ID
from tenantwatch.web.sessions import current_session
from tenantwatch.web.views import error, page

MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 32
FORM_TYPE = "application/x-www-form-urlencoded"
_INCIDENT_ID = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only (str.isdigit() would take '١٢')


def incident_number(text: str) -> int | None:
    """The incident id in a path, or None when it cannot be one (the page is then a 404): past
    MAX_ROW_ID the store's INTEGER column cannot hold it, and PostgreSQL would fail the lookup."""
    return int(text) if _INCIDENT_ID.fullmatch(text) and int(text) <= MAX_ROW_ID else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def same_origin(request: Request) -> bool:
    """Whether a form post comes from a page of this dashboard. Browsers send Origin (or at
    least Referer) with a post; a request with neither (curl) relies on the form's token."""
    claimed = request.headers.get("origin")
    if claimed is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        claimed = _origin(referer)
    own = {f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    spec = getattr(request.app.state, "spec", None)
    if spec is not None:
        own |= {_origin(spec.engine.url), _origin(spec.engine.link_base)}
    return claimed.lower() in own - {""}


async def too_large(request: Request, message: str) -> Response:
    """The 413 page of a form over the caps."""
    return page(request, "missing.html", await current_session(request), status_code=413, message=message)


async def _form_refusal(request: Request) -> Response | None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return page(request, "missing.html", await current_session(request), status_code=415,
                    message="The dashboard's forms are sent as plain forms; this one was not.")
    body = await request.body()  # already capped at MAX_FORM_BYTES by the body limit
    if body.count(b"&") + 1 > MAX_FORM_FIELDS:
        return await too_large(request, f"The form is too large (at most {MAX_FORM_FIELDS} fields).")
    return None


async def _bad_parameter(request: Request) -> Response:
    if request.url.path.startswith("/ui/api/"):
        return error(400, "bad_request", "a parameter of this request is not valid")
    return page(request, "missing.html", await current_session(request), status_code=400,
                message="This address has a parameter the dashboard does not understand.")


class PageRoute(APIRoute):
    """The route class of every dashboard router: the checks above run before the route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if request.method == "POST" and (refusal := await _form_refusal(request)) is not None:
                return refusal
            try:
                return await handler(request)
            except RequestValidationError:
                return await _bad_parameter(request)

        return guarded
