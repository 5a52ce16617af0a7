"""Refuse requests addressed to a host this server does not serve (ADR 0025).

Without `KANGTONG_BASE_URL`, absolute URLs — `Location`, paging links, the CapabilityStatement,
OAuth2 endpoints — are built from the request's Host header. A client that names another host
would have kangtong advertise it (cache poisoning, links to a phishing site). Only listed hosts
are answered; the rest get 400 with an OperationOutcome before anything else runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kangtong.core.config import Settings
from kangtong.core.errors import Invalid
from kangtong.web.errors import error_response

ALWAYS_ALLOWED = ("127.0.0.1", "localhost", "::1")


def host_name(host: str) -> str:
    """`Example.org:8080` → `example.org`; `[::1]:8080` → `::1` (the port never matters)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The configured hosts, the bind address, loopback names and the base URL's host."""
    names = [*settings.allowed_hosts, settings.host, *ALWAYS_ALLOWED]
    if settings.base_url:
        names.append(urlsplit(settings.base_url).hostname or "")
    return frozenset(host_name(name) for name in names if name)


class TrustedHosts:
    """Answers 400 to a request whose Host header names an unlisted host."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = Headers(scope=scope).get("host")
            # No Host header (HTTP/1.0): Starlette falls back to the bind address, which is safe.
            if host is not None and host_name(host) not in self.allowed:
                refusal = Invalid("This server does not serve the host named in the Host header")
                await error_response(refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)
