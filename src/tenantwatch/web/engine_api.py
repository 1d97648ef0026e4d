"""The dashboard's way into the engine: its public HTTP API (docs/engine.md), called in-process.

Every read and action goes through `/api/v1/...` with the session's own key, so the
engine's tenant scoping (404 for another tenant's incident) applies to the dashboard exactly
as to any API client, and the dashboard depends on no internal structure of the engine.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import HTTPConnection

from tenantwatch.conventions import ENGINE_API_PREFIX

PAGE_LIMIT = 200


class EngineError(RuntimeError):
    """The engine refused a call; `status` is its HTTP status, `code` its error code (e.g.
    `still_firing`), the message its own words."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class EngineApi:
    """Calls the engine app that serves the current request, authenticated as the viewer."""

    def __init__(self, conn: HTTPConnection, key: str) -> None:
        self._app = conn.app
        self._headers = {"Authorization": f"Bearer {key}"}

    async def _call(self, method: str, path: str, params: dict[str, Any] | None = None,
                    body: dict[str, Any] | None = None) -> Any:
        transport = httpx.ASGITransport(app=self._app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine.internal", timeout=30) as client:
            response = await client.request(method, ENGINE_API_PREFIX + path, params=params, headers=self._headers, json=body)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            raise EngineError(response.status_code, error.get("message") or f"HTTP {response.status_code}",
                              error.get("code") or "")
        return body

    async def incidents(self, **filters: str) -> list[dict[str, Any]]:
        """The viewer's newest incidents (one page)."""
        return (await self.incident_page(**filters))[0]

    async def incident_page(self, cursor: str = "", **filters: str) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the viewer's incidents, newest first, and the cursor of the next (older) page."""
        params = {"limit": str(PAGE_LIMIT), "cursor": cursor, **filters}
        body = await self._call("GET", "/incidents", {k: v for k, v in params.items() if v})
        if not isinstance(body, dict):
            return [], None
        return body.get("items", []), body.get("next_cursor")

    async def incident(self, incident_id: int) -> dict[str, Any]:
        return await self._call("GET", f"/incidents/{incident_id}")

    async def act(self, incident_id: int, action: str, *, force: bool = False) -> dict[str, Any]:
        """Acknowledge or resolve an incident, as the viewer's key (the timeline shows its name);
        `force` resolves even while alerts still fire (else the engine answers 409 still_firing)."""
        if action not in ("ack", "resolve"):
            raise ValueError(f"unknown incident action {action!r}")
        return await self._call("POST", f"/incidents/{incident_id}/{action}", body={"force": True} if force else None)

