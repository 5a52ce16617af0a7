"""The FastAPI application factory."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import APIRouter, FastAPI
from starlette.responses import JSONResponse

import kangtong
from kangtong.core.log_safety import install_safe_logging
from kangtong.platform import Platform
from kangtong.web.access_log import AccessLog
from kangtong.web.bearer import BearerAuthentication
from kangtong.web.body_limit import BodyLimit
from kangtong.web.cors import SmartAppCors
from kangtong.web.errors import UnexpectedErrors, install_error_handlers
from kangtong.web.fhir_formats import FhirFormats
from kangtong.web.fhir_routes import router as fhir_router
from kangtong.web.hosts import TrustedHosts, allowed_hosts
from kangtong.web.metrics import AppMetrics, RequestMetrics
from kangtong.web.monitoring_routes import MetricsAccess
from kangtong.web.operation_routes import served_operations
from kangtong.web.request_ids import RequestIds
from kangtong.web.security_headers import SecurityHeaders

# Routers of modules that build on the FHIR core; each module exposes `router`.
MODULE_ROUTERS = (
    "kangtong.web.terminology_routes",
    "kangtong.web.registry_routes",
    "kangtong.web.mpi_routes",
    "kangtong.web.auth_routes",
    "kangtong.web.security_routes",
    "kangtong.web.export_routes",
    "kangtong.web.document_routes",
    "kangtong.web.ui_routes",
    "kangtong.web.monitoring_routes",  # /readyz, /metrics
)


def optional_modules() -> list[ModuleType]:
    """The router modules present in this build (a partial checkout may lack some)."""
    modules = []
    for module_name in MODULE_ROUTERS:
        try:
            modules.append(importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return modules


def optional_routers() -> list[APIRouter]:
    return [module.router for module in optional_modules()]


def self_authenticating_prefixes() -> list[str]:
    """Path prefixes whose module authenticates callers itself (`AUTHENTICATES_ITSELF`)."""
    return [p for m in optional_modules() for p in getattr(m, "AUTHENTICATES_ITSELF", ())]


def create_app(platform: Platform, *, owns_platform: bool = False) -> FastAPI:
    """The ASGI app over `platform`; with `owns_platform` it closes the platform at shutdown."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        platform.events.start(platform.settings.outbox_poll_seconds)
        try:
            yield
        finally:
            platform.events.stop()
            platform.security.audit_sink.writer.flush()
            if owns_platform:
                platform.close()

    app = FastAPI(
        lifespan=lifespan,
        title="kangtong 康通",
        version=kangtong.__version__,
        description="Regional health information platform (区域全民健康信息平台) — FHIR R4 API",
    )
    install_safe_logging()  # no exception message, no control character in any log line
    settings = platform.settings
    app.state.platform = platform
    app.state.capability_cache = {}
    metrics = app.state.metrics = AppMetrics(platform)  # the app's own registry
    metrics_access = app.state.metrics_access = MetricsAccess(settings.metrics_allow_ips)
    install_error_handlers(app)
    # Starlette runs the middleware added last first: request id → access log → metrics →
    # security headers → unexpected errors → trusted hosts → CORS → authentication → body
    # limit → FHIR formats (415/406) → routes.
    app.add_middleware(FhirFormats)  # JSON only under /fhir
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        BearerAuthentication,
        tokens=platform.security.tokens,
        self_authenticating=self_authenticating_prefixes(),
        refusals=platform.security.refused_tokens.record,
        limiter=platform.security.refusal_limits,
        admits_without_token=metrics_access.scraper,
    )
    app.add_middleware(SmartAppCors, origins=settings.cors_origins)  # preflights carry no token
    app.add_middleware(TrustedHosts, allowed=allowed_hosts(settings))
    app.add_middleware(UnexpectedErrors)  # a 500 that keeps the connection open
    app.add_middleware(SecurityHeaders, public_https=settings.base_url.startswith("https://"))
    app.add_middleware(RequestMetrics, metrics=metrics)  # refused ones counted too
    app.add_middleware(AccessLog)  # refused requests are logged too
    app.add_middleware(RequestIds)  # outermost: every line about a request names it
    # Module routers come before the generic FHIR router: its `/{type}/{id}` would swallow
    # operation paths such as `/CodeSystem/$lookup`.
    routers = [*optional_routers(), fhir_router]
    for router in routers:
        app.include_router(router)
    app.state.fhir_operations = served_operations(routers)  # for the CapabilityStatement

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": kangtong.__version__})

    metrics.know_routes([route for router in routers for route in router.routes])
    return app
