"""The status a request was answered with, for middleware that records every request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class SeenStatus:
    """500 until the app starts its response: what a request that failed before it was."""

    status: int = 500


async def call_seeing_status(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, seen: SeenStatus
) -> None:
    """Run `app`, noting in `seen` the status it answers with."""

    async def record_status(message: Message) -> None:
        if message["type"] == "http.response.start":
            seen.status = message["status"]
        await send(message)

    await app(scope, receive, record_status)
