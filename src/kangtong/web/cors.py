"""CORS for registered browser apps (SMART on FHIR), off until an origin is listed (ADR 0025).

Starlette's CORS middleware does the protocol; this wrapper fixes the policy: only the origins
in `KANGTONG_CORS_ORIGINS`, no credentials (apps send bearer tokens, not cookies), the FHIR
request headers, and the response headers a FHIR client reads. A preflight it refuses gets 403
with an OperationOutcome and no CORS headers, like every other refusal.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from kangtong.core.errors import Forbidden
from kangtong.web.errors import error_response

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
REQUEST_HEADERS = (
    "Authorization",
    "Prefer",
    "If-Match",
    "If-None-Match",
    "If-None-Exist",
    "If-Modified-Since",
    "X-Purpose-Of-Use",
    "X-Break-Glass-Reason",
)
RESPONSE_HEADERS = ("Location", "Content-Location", "ETag", "Last-Modified", "X-Request-Id")


class SmartAppCors(CORSMiddleware):
    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        if "*" in origins:
            raise ValueError("CORS origins are listed one by one; '*' is not accepted")
        super().__init__(
            app,
            allow_origins=[origin.rstrip("/") for origin in origins],
            allow_methods=METHODS,
            allow_headers=REQUEST_HEADERS,
            expose_headers=RESPONSE_HEADERS,
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        return error_response(Forbidden("Cross-origin request not allowed for this origin"))
