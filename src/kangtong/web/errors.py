"""The one place where errors become OperationOutcome responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from kangtong.core.errors import Issue, KangtongError
from kangtong.fhir.outcome import operation_outcome, outcome_of
from kangtong.fhir.status import status_for
from kangtong.web.responses import fhir_response

log = logging.getLogger("kangtong.web")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KangtongError)
    async def domain_error(_request: Request, exc: KangtongError) -> Response:
        return fhir_response(operation_outcome(exc), int(status_for(exc)))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> Response:
        code = "not-found" if exc.status_code == 404 else "processing"
        return fhir_response(outcome_of([Issue("error", code, str(exc.detail))]), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> Response:
        return fhir_response(outcome_of([Issue("error", "invalid", str(exc.errors()))]), 400)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> Response:
        # Log the type only: messages may echo personal data from the request.
        log.error("unexpected %s", type(exc).__name__, exc_info=exc)
        return fhir_response(
            outcome_of([Issue("fatal", "exception", "Internal server error")]), 500
        )
