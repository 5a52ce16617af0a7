"""The one place where errors become OperationOutcome responses.

Domain errors, HTTP errors and request-validation errors are mapped by exception handlers.
Anything else is answered 500 by `UnexpectedErrors`, a middleware, rather than by a handler for
`Exception`: Starlette runs that handler in its outermost `ServerErrorMiddleware`, which sends
the response and then re-raises, and uvicorn answers an exception after a response by closing
the connection — so one unexpected error would also break the client's keep-alive connection.

An unforeseen error is logged as one line: its type, where it surfaced in kangtong (and where
it was raised, if elsewhere), the types of its causes and the request id — never its message,
arguments or traceback text, which may quote personal data from the request or SQL parameters
(ADR 0025). The client gets the same request id in the OperationOutcome and `X-Request-Id`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kangtong.core.errors import Issue, KangtongError, Unexpected
from kangtong.core.log_safety import exception_summary
from kangtong.fhir.outcome import operation_outcome, outcome_of
from kangtong.fhir.status import status_for
from kangtong.web.request_ids import request_id_of
from kangtong.web.responses import fhir_response

log = logging.getLogger("kangtong.web")


def error_response(exc: KangtongError, headers: dict[str, str] | None = None) -> Response:
    """The OperationOutcome and HTTP status of a domain error."""
    return fhir_response(operation_outcome(exc), int(status_for(exc)), headers)


def unexpected_response(exc: BaseException, request_id: str) -> Response:
    """500, logged as type, location and request id only (see the module docstring)."""
    log.error("unexpected %s (request %s)", exception_summary(exc), request_id)
    return error_response(Unexpected(f"Internal server error (request {request_id})"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KangtongError)
    async def domain_error(_request: Request, exc: KangtongError) -> Response:
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> Response:
        code = "not-found" if exc.status_code == 404 else "processing"
        outcome = outcome_of([Issue("error", code, str(exc.detail))])
        headers = dict(exc.headers) if exc.headers else None
        return fhir_response(outcome, exc.status_code, headers)

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> Response:
        return fhir_response(outcome_of([Issue("error", "invalid", str(exc.errors()))]), 400)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Reached only by errors outside `UnexpectedErrors` (the access log); see the docstring.
        return unexpected_response(exc, request_id_of(request.scope))


class UnexpectedErrors:
    """Answers what escaped the exception handlers and lets nothing re-raise.

    That is an unforeseen exception (500), or a domain error raised outside the routes, e.g.
    `Unavailable` from the bearer middleware's revocation check (503).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # half a response is out: only closing the connection can tell
                raise
            if isinstance(exc, KangtongError):
                await error_response(exc)(scope, receive, send)
            else:
                await unexpected_response(exc, request_id_of(scope))(scope, receive, send)
