"""One error shape for every failure: {"error": {"code", "message"}}; never a stack trace,
never a 500 for bad input, and nothing from the request body echoed back verbatim."""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("tenantwatch.engine")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_request"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def error_path(loc: Iterable[Any]) -> str:
    """`alerts[3].labels.tenant`: indexes in brackets, a key that is not plain text quoted, and
    the `body`/`query` prefix of FastAPI dropped for the body (kept for parameters)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "body" and not out:
            continue
        else:
            text = str(part)[:64]
            out += f"[{json.dumps(text)}]" if not text.isprintable() or "." in text else ("." if out else "") + text
    return out


def validation_message(errors: list[Any]) -> str:
    """`alerts[3].labels.tenant: expected a tenant id ...; version: ...` (paths and messages only,
    never the refused value)."""
    parts = []
    for err in errors[:10]:
        where = error_path([*err.get("loc", ()), *(err.get("ctx") or {}).get("loc", ())])
        parts.append(f"{where or '<body>'}: {err.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
    return "; ".join(parts) + more


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", validation_message(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, _CODES.get(exc.status_code, f"http_{exc.status_code}"), str(exc.detail),
                              getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
        return error_response(500, "internal", "internal error; see the engine log")
