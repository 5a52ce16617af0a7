"""Bearer-token authentication for every path except the few that must stay open.

An ASGI middleware rather than a per-route dependency: a route added later is closed by
default. Open paths: the CapabilityStatement, SMART discovery and JWKS, the OAuth2 token and
revocation endpoints, the health and readiness checks — plus the paths a module declares it
authenticates itself (`AUTHENTICATES_ITSELF` in its router module, e.g. cookie sessions of the
web UI: an entry ending in "/" is a prefix, any other — "/" included — one exact path), and
the requests the app admits without a token (`admits_without_token`: /metrics from the
addresses of listed scrapers).
Failures answer 401 with an OperationOutcome and `WWW-Authenticate: Bearer` (RFC 6750 §3).
A request that presented a token and was refused is audited once (`RefusedTokens`); one that
sent none is only challenged. Beyond the refusal limit of its address (`RefusalLimiter`) a bad
token is answered 429 with `Retry-After` and counted into one flood event instead; so is any
request of a principal whose refused requests went beyond theirs. Verified tokens are cached
by their text, but expiry and the revocation deny-list are checked on every request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kangtong.core.errors import Issue
from kangtong.fhir.outcome import outcome_of
from kangtong.security.oauth_errors import OAuthError
from kangtong.security.refusal_limits import RefusalLimiter
from kangtong.security.tokens import (
    CLOCK_SKEW_SECONDS,
    AccessTokens,
    InvalidToken,
    RefusalReason,
    TokenClaims,
)
from kangtong.web.responses import fhir_response

PUBLIC_PATHS = frozenset(
    {
        "/fhir/metadata",
        "/healthz",
        "/readyz",
        "/oauth2/token",
        "/oauth2/revoke",
        "/.well-known/jwks.json",
        "/.well-known/smart-configuration",
        "/fhir/.well-known/smart-configuration",
    }
)
PUBLIC_PREFIXES = ("/.well-known/", "/fhir/.well-known/")
REALM = 'Bearer realm="kangtong"'
VERIFIED_CACHE = 2048  # tokens whose signature was checked; expiry is checked on every use


class Unauthenticated(Exception):
    def __init__(
        self, description: str, error: str | None = "invalid_token",
        reason: RefusalReason = "invalid",
    ) -> None:  # fmt: skip
        super().__init__(description)
        self.description = description
        self.error = error
        self.reason: RefusalReason = reason


# Told of each refused token: why (never the token) and the HTTP method.
RefusalRecorder = Callable[[RefusalReason, str], None]


class BearerAuthentication:
    def __init__(
        self, app: ASGIApp, tokens: AccessTokens, self_authenticating: Iterable[str] = (),
        refusals: RefusalRecorder | None = None, limiter: RefusalLimiter | None = None,
        admits_without_token: Callable[[Scope], bool] | None = None,
    ) -> None:  # fmt: skip
        self.app = app
        self.admits_without_token = admits_without_token
        self.tokens = tokens
        self.refusals = refusals
        self.limiter = limiter
        declared = tuple(self_authenticating)
        # "/static/" is a prefix; "/login" (and "/") name one path each.
        self.open_prefixes = PUBLIC_PREFIXES + tuple(
            p for p in declared if p.endswith("/") and p != "/"
        )
        self.open_paths = PUBLIC_PATHS | {p for p in declared if not p.endswith("/") or p == "/"}
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()
        self._caching = threading.Lock()  # `claims` runs in the threadpool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_open(scope["path"]) or self._admitted(scope):
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        try:
            # Signature checks, the revocation list's refresh and refusal audits touch the
            # database or the CPU: the threadpool keeps them off the event loop.
            claims = await run_in_threadpool(self.claims, header)
        except Unauthenticated as exc:
            retry = None
            if exc.reason != "missing":
                retry = await run_in_threadpool(self._refused, exc, scope)
            response = _challenge(exc) if retry is None else too_many_requests(retry)
            await response(scope, receive, send)
            return
        if self.limiter is not None and self.limiter.has_blocks:  # nothing to do otherwise
            principal = claims.context().principal
            retry = await run_in_threadpool(self.limiter.retry_after, "refused", principal)
            if retry is not None:
                await too_many_requests(retry)(scope, receive, send)
                return
        scope.setdefault("state", {})["claims"] = claims
        await self.app(scope, receive, send)

    def _refused(self, exc: Unauthenticated, scope: Scope) -> int | None:
        """Audit a refused token, or count it into its address's flood: seconds to wait then."""
        if self.limiter is not None:
            address = client_address(scope)
            retry = self.limiter.retry_after("bad-token", address)
            if retry is None:
                retry = self.limiter.refused("bad-token", address)
            if retry is not None:
                return retry
        if self.refusals is not None:
            self.refusals(exc.reason, scope["method"])
        return None

    def _admitted(self, scope: Scope) -> bool:
        return self.admits_without_token is not None and self.admits_without_token(scope)

    def is_open(self, path: str) -> bool:
        return path in self.open_paths or path.startswith(self.open_prefixes)

    def claims(self, header: str | None) -> TokenClaims:
        if not header:
            message = "An access token is required (Authorization: Bearer …)"
            raise Unauthenticated(message, None, "missing")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            message = "The Authorization header must be 'Bearer <token>'"
            raise Unauthenticated(message, None, "malformed")
        token = token.strip()
        cached = self._verified.get(token)
        try:
            if cached is not None and self._in_force(cached):
                self.tokens.ensure_not_revoked(cached)
                return cached
            claims = self.tokens.verify(token)
        except InvalidToken as exc:
            raise Unauthenticated(exc.description, reason=exc.reason) from exc
        except OAuthError as exc:
            raise Unauthenticated(exc.description) from exc
        with self._caching:
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_CACHE:
                self._verified.popitem(last=False)
        return claims

    def _in_force(self, claims: TokenClaims) -> bool:
        if claims.expires_at is None:
            return False
        now = self.tokens.clock.now().timestamp()
        return now < claims.expires_at.timestamp() + CLOCK_SKEW_SECONDS


def client_address(scope: Scope) -> str:
    """The peer's address as the server sees it (behind a proxy: the proxy's; ADR 0023)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def too_many_requests(retry_after: int) -> Response:
    """429 (RFC 6585 §4) with Retry-After (RFC 9110 §10.2.3) and an OperationOutcome."""
    message = f"Too many refused requests; retry after {retry_after} s"
    body = outcome_of([Issue("error", "throttled", message)])
    return fhir_response(body, 429, {"Retry-After": str(retry_after)})


def _challenge(exc: Unauthenticated) -> Response:
    challenge = REALM
    if exc.error:
        description = exc.description.replace('"', "'")
        challenge += f', error="{exc.error}", error_description="{description}"'
    body = outcome_of([Issue("error", "login", exc.description)])
    return fhir_response(body, 401, {"WWW-Authenticate": challenge})
