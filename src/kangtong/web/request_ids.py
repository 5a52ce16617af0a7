"""A request id per request, in the response (`X-Request-Id`) and in every log line about it.

A client reporting a failure quotes the id; the operator finds the access-log line and the
error line without any value of the request being logged. The id is ours (random), never taken
from the client, so it cannot carry forged text into the log.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kangtong.core.log_safety import CURRENT_REQUEST_ID

HEADER = "x-request-id"


def request_id_of(scope: Scope) -> str:
    """The id `RequestIds` gave this request, or `-` outside it."""
    state = scope.get("state") or {}
    return str(state.get("request_id", "-"))


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id

        async def add_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        bound = CURRENT_REQUEST_ID.set(request_id)  # every record written for it names it
        try:
            await self.app(scope, receive, add_header)
        finally:
            CURRENT_REQUEST_ID.reset(bound)
