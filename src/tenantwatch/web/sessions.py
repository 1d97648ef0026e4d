"""Dashboard sessions: a signed, HttpOnly, SameSite cookie that names a server-side session.

The cookie carries only a random session id signed with itsdangerous; the API key the user
typed stays in this process's memory, so it is never in a URL, a cookie or a log (and
sessions end when the engine restarts). The signing secret is TENANTWATCH_SESSION_SECRET
or, without it, generated at start. The key is verified again on every request (pages, JSON,
events, reports), so revoking it ends its sessions at once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass

from typing import Any

from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection

from tenantwatch.conventions import PLATFORM_TENANT

COOKIE_NAME = "tenantwatch_session"
MAX_AGE_SECONDS = 12 * 3600
SECRET_ENV = "TENANTWATCH_SESSION_SECRET"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a tenant's user (tenant set) or an admin (tenant None)."""

    name: str
    tenant: str | None

    @property
    def is_admin(self) -> bool:
        return self.tenant is None

    def can_see(self, tenant: str | None) -> bool:
        return self.is_admin or tenant == self.tenant

    def can_see_incident(self, incident: dict[str, Any]) -> bool:
        """Its tenant's incidents, and the platform incidents that affect its tenant."""
        return self.can_see(incident.get("tenant")) or (
            incident.get("tenant") == PLATFORM_TENANT and self.tenant in (incident.get("affected_tenants") or []))

    def may_act_on(self, incident: dict[str, Any]) -> bool:
        """Acknowledge and resolve: an admin anything, a tenant user its own tenant's incidents."""
        return self.can_see(incident.get("tenant"))


@dataclass(frozen=True)
class Session:
    sid: str
    viewer: Viewer
    key: str
    expires: float

    @property
    def csrf_token(self) -> str:
        """A per-session token that forms echo back, so another site cannot post as the user."""
        return hmac.new(self.key.encode(), f"csrf:{self.sid}".encode(), hashlib.sha256).hexdigest()


class SessionStore:
    """Sessions in memory, keyed by the id inside the signed cookie."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="tenantwatch-ui-session")
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, viewer: Viewer, key: str) -> tuple[Session, str]:
        """A new session and the cookie value that names it."""
        session = Session(secrets.token_urlsafe(32), viewer, key, time.time() + MAX_AGE_SECONDS)
        with self._lock:
            self._drop_expired()
            self._sessions[session.sid] = session
        return session, self._serializer.dumps(session.sid)

    def find(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            sid = self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        with self._lock:
            session = self._sessions.get(sid)
        return session if session and session.expires > time.time() else None

    def close(self, cookie: str | None) -> None:
        session = self.find(cookie)
        if session:
            self.drop(session)

    def drop(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.sid, None)

    def _drop_expired(self) -> None:
        now = time.time()
        for sid in [s.sid for s in self._sessions.values() if s.expires <= now]:
            del self._sessions[sid]


_STORE_LOCK = threading.Lock()


def session_store(conn: HTTPConnection) -> SessionStore:
    """The app's store, created on first use so the engine needs no setup for it."""
    state = conn.app.state
    with _STORE_LOCK:
        store = getattr(state, "web_sessions", None)
        if store is None:
            store = SessionStore(os.environ.get(SECRET_ENV) or secrets.token_urlsafe(48))
            state.web_sessions = store
    return store


async def viewer_for_key(conn: HTTPConnection, key: str) -> Viewer | None:
    """The viewer a key stands for, or None for an unknown, revoked or intake key (checked by
    the engine's own `app.state.verify_key`, so the dashboard accepts exactly the API's keys)."""
    verify = getattr(conn.app.state, "verify_key", None)
    if verify is None or not key:
        return None
    principal: Any = await run_in_threadpool(verify, key)
    kind = getattr(principal, "kind", None)
    if kind == "admin":
        return Viewer(name=principal.name, tenant=None)
    if kind == "tenant" and principal.tenant:
        return Viewer(name=principal.name, tenant=principal.tenant)
    return None


async def current_session(conn: HTTPConnection) -> Session | None:
    """The request's session while its key is still accepted; a revoked key closes it."""
    store = session_store(conn)
    session = store.find(conn.cookies.get(COOKIE_NAME))
    if session is not None and await viewer_for_key(conn, session.key) is None:
        store.drop(session)
        return None
    return session
