"""X-Forwarded-For and X-Forwarded-Proto, believed only from trusted proxies.

Behind a TLS-terminating proxy the engine sees plain HTTP from the proxy's address; the
proxy's headers say who the client is (for the failed-login limiter) and that the browser
used HTTPS (so the dashboard's cookies are `Secure`). Anyone else could forge them, so they
count only when the connection comes from an address of `trusted` (the `--trusted-proxy`
option; 127.0.0.1 by default). The client is the right-most X-Forwarded-For address that is
not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1",)


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks; ValueError names the first value that is neither."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/8)") from None
    return tuple(networks)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ForwardedHeaders:
    """ASGI middleware: from a trusted proxy, the client address and scheme its headers name."""

    def __init__(self, app: Any, trusted: tuple[Network, ...]) -> None:
        self.app, self.trusted = app, trusted

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("client") and _within(scope["client"][0], self.trusted):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
            client = next((h for h in reversed(hops) if not _within(h, self.trusted)), hops[0] if hops else None)
            proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
            scope = dict(scope)
            if client:
                scope["client"] = (client[:64], 0)
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)
