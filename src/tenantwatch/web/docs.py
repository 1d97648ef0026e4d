"""The engine's API docs at /docs: Swagger UI from pinned local assets, under the dashboard's CSP.

FastAPI's own /docs and /redoc load unpinned scripts from a CDN on the engine's origin;
the engine turns them off. This page loads Swagger UI from the `swagger-ui-py` package
(a pinned dependency), and only files whose SHA-256 is listed in PINNED are served, so an
upgraded or altered package cannot slip other code onto the engine's origin (the page then
says the assets are missing and points at /openapi.json). Its start-up code is a static file
too: the page has no inline script, and the dashboard's CSP applies unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.resources
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

from tenantwatch.web.views import page

router = APIRouter()
VENDOR = "vendor/swagger-ui"  # under /ui/static/
PINNED = {  # swagger-ui-py 25.7.1 (Swagger UI 5)
    "swagger-ui-bundle.js": "2c2e2bfe20fc7cb996862067de67c3d34157929792b77988abf3aabef4663028",
    "swagger-ui.css": "4f76417253f37d7fe5aab8d69beaf3017570e2ab611289c504968b2078a07236",
}


@cache
def pinned_assets() -> dict[str, Path]:
    """The Swagger UI files whose digest matches PINNED (none when the package is missing)."""
    try:
        folder = Path(str(importlib.resources.files("swagger_ui") / "static"))
    except ModuleNotFoundError:
        return {}
    found = {}
    for name, digest in PINNED.items():
        path = folder / name
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            found[name] = path
    return found


@router.get("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    return page(request, "api_docs.html", None, assets=f"/ui/static/{VENDOR}",
                complete=set(pinned_assets()) == set(PINNED))
