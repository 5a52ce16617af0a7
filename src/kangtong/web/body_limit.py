"""A cap on request bodies, enforced while they arrive (413 with an OperationOutcome).

A body whose Content-Length already says it is too large is refused before a byte of it is
read. A chunked body, or one that sends more than it declared, is counted as the application
reads it; the read that crosses the limit raises `PayloadTooLarge`, which the error handlers
answer. Either way no more than the limit (plus one network chunk) is ever held in memory.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kangtong.core.errors import PayloadTooLarge
from kangtong.web.errors import error_response


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await error_response(self.too_large())(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self.too_large()
            return message

        await self.app(scope, counted, send)

    def too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"The request body is larger than the {self.max_bytes:,} bytes this server accepts"
        )
