"""The engine's protections against hostile clients, wired into the app in one place.

- `app.state.auth_limiter`: failed authentications per client and overall -> 429 (ratelimit.py)
- API bodies capped at 64 kB but for the Alertmanager webhook, which has its own cap (bodylimit.py)
- nosniff, no-store and relative redirects on every response (headers.py)
- X-Forwarded-For/-Proto believed only from `config.trusted_proxies` (proxies.py); this one
  is outermost, so every other part sees the real client and scheme.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import HTTPConnection

from tenantwatch import conventions
from tenantwatch.engine.api.bodylimit import BodyLimit, api_too_large
from tenantwatch.engine.api.headers import SecurityHeaders
from tenantwatch.engine.api.proxies import ForwardedHeaders, parse_networks
from tenantwatch.engine.api.ratelimit import FailedAuthLimiter
from tenantwatch.engine.config import EngineConfig


def install(app: FastAPI, config: EngineConfig) -> None:
    """Call after every route and other middleware is added."""
    app.state.auth_limiter = FailedAuthLimiter(config.auth_limits)
    app.add_middleware(BodyLimit, prefix=conventions.ENGINE_API_PREFIX, exempt=(conventions.ENGINE_WEBHOOK_PATH,),
                       refuse=api_too_large)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ForwardedHeaders, trusted=parse_networks(config.trusted_proxies))


def client_address(conn: HTTPConnection) -> str:
    """Who is calling, as the failed-authentication limiter counts it (a trusted proxy's
    client, else the peer's address)."""
    return conn.client.host if conn.client else "unknown"


def failed_authentication(conn: HTTPConnection) -> int | None:
    """Count a refused key of this client: None to answer 401, else the Retry-After seconds of a 429."""
    limiter: FailedAuthLimiter | None = getattr(conn.app.state, "auth_limiter", None)
    return limiter.failed(client_address(conn)) if limiter is not None else None
