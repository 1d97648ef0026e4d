"""Dashboard sessions: a signed, HttpOnly, SameSite cookie that names a server-side session.

The cookie carries only a random session id signed with itsdangerous; the API key the user
typed stays in this process's memory, so it is never in a URL, a cookie or a log (and
sessions end when the engine restarts). The signing secret is TENANTWATCH_SESSION_SECRET
or, without it, generated at start. The key is verified again on every request (pages, JSON,
events, reports), so revoking it ends its sessions at once. A key keeps at most
MAX_SESSIONS_PER_KEY sessions (logging in again ends its oldest), so nobody can fill the
memory with sessions.

Before there is a session, the login form is bound to a login cookie of its own (a signed
random nonce, SameSite=Strict): the form's token is an HMAC of that nonce, so a page of
another site can neither read a token nor post one that matches the visitor's cookie.
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
LOGIN_COOKIE = "tenantwatch_login"
LOGIN_MAX_AGE_SECONDS = 3600
MAX_SESSIONS_PER_KEY = 20


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
        self._login_serializer = URLSafeTimedSerializer(secret, salt="tenantwatch-ui-login")
        self._login_key = hashlib.sha256(f"login:{secret}".encode()).digest()
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, viewer: Viewer, key: str) -> tuple[Session, str]:
        """A new session and the cookie value that names it; the key's oldest sessions end
        beyond MAX_SESSIONS_PER_KEY."""
        session = Session(secrets.token_urlsafe(32), viewer, key, time.time() + MAX_AGE_SECONDS)
        with self._lock:
            self._drop_expired()
            same_key = [s for s in self._sessions.values() if hmac.compare_digest(s.key, key)]
            for old in same_key[:max(0, len(same_key) + 1 - MAX_SESSIONS_PER_KEY)]:  # oldest first
                del self._sessions[old.sid]
            self._sessions[session.sid] = session
        return session, self._serializer.dumps(session.sid)

    def login_form(self, cookie: str | None) -> tuple[str, str]:
        """(login cookie value, the form's token): the browser's unexpired login cookie is
        kept (so two open login tabs both work), else a fresh signed nonce."""
        nonce = self._login_nonce(cookie) or secrets.token_urlsafe(32)
        return self._login_serializer.dumps(nonce), self._login_token(nonce)

    def login_form_ok(self, cookie: str | None, token: str) -> bool:
        """Whether the posted token belongs to this browser's unexpired login cookie."""
        nonce = self._login_nonce(cookie)
        return bool(nonce and token) and hmac.compare_digest(self._login_token(nonce), token)

    def _login_nonce(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return str(self._login_serializer.loads(cookie, max_age=LOGIN_MAX_AGE_SECONDS))
        except BadSignature:
            return None

    def _login_token(self, nonce: str) -> str:
        return hmac.new(self._login_key, nonce.encode(), hashlib.sha256).hexdigest()

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

    def is_open(self, session: Session) -> bool:
        with self._lock:
            return session.sid in self._sessions and session.expires > time.time()

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


def session_store(conn: HTTPConnection) -> SessionStore:
    """The app's store (made by `tenantwatch.web.install`)."""
    return conn.app.state.web_sessions


def new_session_store() -> SessionStore:
    return SessionStore(os.environ.get(SECRET_ENV) or secrets.token_urlsafe(48))


async def principal_for_key(conn: HTTPConnection, key: str) -> Any:
    """The engine's principal for a key (kind tenant|admin|intake), or None for an unknown or
    revoked one (the engine's own `app.state.verify_key`, so the dashboard accepts exactly
    the API's keys)."""
    verify = getattr(conn.app.state, "verify_key", None)
    if verify is None or not key:
        return None
    return await run_in_threadpool(verify, key)


def viewer_of(principal: Any) -> Viewer | None:
    """The dashboard viewer of a principal; None for an intake key, which opens no session."""
    kind = getattr(principal, "kind", None)
    if kind == "admin":
        return Viewer(name=principal.name, tenant=None)
    if kind == "tenant" and principal.tenant:
        return Viewer(name=principal.name, tenant=principal.tenant)
    return None


async def viewer_for_key(conn: HTTPConnection, key: str) -> Viewer | None:
    return viewer_of(await principal_for_key(conn, key))


async def current_session(conn: HTTPConnection) -> Session | None:
    """The request's session while its key is still accepted; a revoked key closes it."""
    store = session_store(conn)
    session = store.find(conn.cookies.get(COOKIE_NAME))
    if session is not None and not await still_valid(conn, session):
        return None
    return session


async def still_valid(conn: HTTPConnection, session: Session) -> bool:
    """Whether the session is open and its key still accepted (a revoked key ends it here)."""
    if not session_store(conn).is_open(session):
        return False
    if await viewer_for_key(conn, session.key) is None:
        session_store(conn).drop(session)
        return False
    return True
