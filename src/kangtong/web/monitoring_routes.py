"""`GET /readyz` (readiness) and `GET /metrics` (Prometheus), beside `/healthz` (ADR 0029).

/readyz is open like /healthz: its answer names checks and words, never a path, a key or a
value. /metrics carries no personal data (route templates and counts only) but describes the
platform's traffic, so it is closed by default: a platform-admin or system token reads it, and
so may the addresses listed in `KANGTONG_METRICS_ALLOW_IPS` (a Prometheus server) without one.
Both are plain `def` routes: their database queries run in the threadpool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address, ip_network

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from kangtong.core.errors import Forbidden
from kangtong.platform import Platform
from kangtong.platform.readiness import check_readiness
from kangtong.security.roles import Role
from kangtong.security.tokens import TokenClaims
from kangtong.web.bearer import client_address
from kangtong.web.metrics import AppMetrics

METRICS_PATH = "/metrics"
METRICS_ROLES = frozenset({Role.PLATFORM_ADMIN.value, Role.SYSTEM.value})
NOT_STORED = {"Cache-Control": "no-store"}

router = APIRouter(include_in_schema=False)


class MetricsAccess:
    """Who may read /metrics: listed scraper addresses without a token, or an admin's token."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.networks = tuple(ip_network(item, strict=False) for item in allowed)

    def scraper(self, scope: Scope) -> bool:
        """Whether this is a request for /metrics from a listed address (no token needed)."""
        if scope.get("path") != METRICS_PATH or not self.networks:
            return False
        try:
            address = ip_address(client_address(scope))
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def may_read(self, scope: Scope, claims: TokenClaims | None) -> bool:
        if claims is not None and METRICS_ROLES.intersection(claims.roles):
            return True
        return self.scraper(scope)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    platform: Platform = request.app.state.platform
    readiness = check_readiness(platform)
    status = "ready" if readiness.ready else "not-ready"
    return JSONResponse(
        {"status": status, "checks": readiness.checks},
        status_code=200 if readiness.ready else 503,
        headers=NOT_STORED,
    )


@router.get(METRICS_PATH)
def metrics(request: Request) -> Response:
    access: MetricsAccess = request.app.state.metrics_access
    if not access.may_read(request.scope, getattr(request.state, "claims", None)):
        raise Forbidden("Metrics are for the platform-admin or system role, or a listed scraper")
    app_metrics: AppMetrics = request.app.state.metrics
    body, content_type = app_metrics.exposition(request.headers.get("accept"))
    return Response(body, headers={**NOT_STORED, "Content-Type": content_type})
