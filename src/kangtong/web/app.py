"""The FastAPI application factory."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.responses import JSONResponse

import kangtong
from kangtong.platform import Platform
from kangtong.web.errors import install_error_handlers
from kangtong.web.fhir_routes import router as fhir_router

# Routers of modules that build on the FHIR core; each module exposes `router`.
MODULE_ROUTERS = (
    "kangtong.web.terminology_routes",
    "kangtong.web.registry_routes",
    "kangtong.web.mpi_routes",
    "kangtong.web.auth_routes",
    "kangtong.web.export_routes",
    "kangtong.web.ui_routes",
)


def optional_routers() -> list[APIRouter]:
    """The routers of the modules present in this build (a partial checkout may lack some)."""
    routers = []
    for module_name in MODULE_ROUTERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        routers.append(module.router)
    return routers


def create_app(platform: Platform) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        platform.events.start(platform.settings.outbox_poll_seconds)
        try:
            yield
        finally:
            platform.events.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="kangtong 康通",
        version=kangtong.__version__,
        description="Regional health information platform (区域全民健康信息平台) — FHIR R4 API",
    )
    app.state.platform = platform
    app.state.capability_cache = {}
    install_error_handlers(app)
    # Module routers come before the generic FHIR router: its `/{type}/{id}` would swallow
    # operation paths such as `/CodeSystem/$lookup`.
    for router in optional_routers():
        app.include_router(router)
    app.include_router(fhir_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": kangtong.__version__})

    return app
