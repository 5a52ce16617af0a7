"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.responses import JSONResponse

import kangtong
from kangtong.platform import Platform
from kangtong.web.errors import install_error_handlers
from kangtong.web.fhir_routes import router as fhir_router


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
    app.include_router(fhir_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": kangtong.__version__})

    return app
