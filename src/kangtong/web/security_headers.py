"""Headers every response carries: no caching, no sniffing, HSTS over https (ADR 0025).

FHIR responses hold health records: `Cache-Control: no-store` keeps them out of browser and
proxy caches (a route that sets its own `Cache-Control` keeps it; none sets a weaker one);
`nosniff` stops a browser from running a resource as script or HTML; HSTS tells browsers to
use https only. HSTS is sent when the request came over https — as the server saw it, after
proxy headers only from proxies listed in `KANGTONG_FORWARDED_ALLOW_IPS` — or when the public
base URL is https (a proxy terminates TLS); browsers ignore it over plain http anyway.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, public_https: bool) -> None:
        self.app = app
        self.public_https = public_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.public_https or scope.get("scheme") == "https"

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("cache-control", "no-store")
                headers["x-content-type-options"] = "nosniff"
                if https:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, add_headers)
