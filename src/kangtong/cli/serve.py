"""`kangtong serve`: run the API and web UI."""

from __future__ import annotations

import logging

import typer
import uvicorn

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.platform import build_platform
from kangtong.web.app import create_app


def serve(
    host: str | None = typer.Option(None, help="Interface to listen on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, help="Port (default 8080)"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Serve the FHIR API (/fhir) on HOST:PORT."""
    settings = settings_for(database_url, host=host, port=port)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    platform = build_platform(settings)
    try:
        # uvicorn's access log would print query strings (names, ID numbers): `AccessLog`
        # in the app logs requests without their values instead.
        uvicorn.run(
            create_app(platform),
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=False,
        )
    finally:
        platform.close()
