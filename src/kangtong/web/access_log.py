"""One log line per request that never carries a personal identifier.

Uvicorn's own access log prints the whole request line, and FHIR searches put names, citizen ID
numbers and phone numbers in the query string (`Patient?identifier=…|110101…`). This log keeps
what an operator needs — method, path, the names of the query parameters, status, duration —
and drops every query value. Paths hold resource ids, which are opaque server ids; a path can
still hold anything a client typed, and the safe log records (`core.log_safety`) write its
control characters escaped. The line ends with the request id the client received.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from kangtong.web.request_ids import request_id_of
from kangtong.web.response_status import SeenStatus, call_seeing_status

log = logging.getLogger("kangtong.access")


def query_names(raw: bytes) -> str:
    """`name=张伟&birthdate=ge1980` → `birthdate,name`: which parameters, never their values."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return ",".join(sorted({name for name, _value in pairs}))


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = SeenStatus()
        try:
            await call_seeing_status(self.app, scope, receive, send, seen)
        finally:
            if log.isEnabledFor(logging.INFO):
                names = query_names(scope.get("query_string", b""))
                log.info(
                    "%s %s%s %d %.1f ms [request %s]",
                    scope["method"],
                    scope["path"],
                    f" ?{names}" if names else "",
                    seen.status,
                    (time.perf_counter() - started) * 1000,
                    request_id_of(scope),
                )
