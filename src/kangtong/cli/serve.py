"""`kangtong serve`: run the API and web UI, in one process or several."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from kangtong.cli.common import DatabaseOption, require_current_schema, settings_for

if TYPE_CHECKING:
    from kangtong.core.config import Settings

WORKERS_HELP = (
    "Worker processes (default 1). Each is a full server on the same port; on PostgreSQL "
    "use one or two per core. Leadership of background delivery is shared out between them."
)


def serve(
    host: str | None = typer.Option(None, help="Interface to listen on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, min=1, max=65535, help="Port (default 8080)"),
    database_url: str | None = DatabaseOption,
    workers: int = typer.Option(1, "--workers", min=1, max=64, help=WORKERS_HELP),
) -> None:
    """Serve the FHIR API (/fhir) and the web pages on HOST:PORT."""
    import uvicorn  # the server, the platform and the app load only for `serve` itself

    from kangtong.core.log_safety import configure_logging
    from kangtong.platform import build_platform
    from kangtong.web.app import create_app

    settings = settings_for(database_url, host=host, port=port)
    require_current_schema(settings.database_url)
    configure_logging(log_format=settings.log_format)
    # Built here even with workers: a wrong URL or canonical base stops the command at once,
    # instead of every worker failing and being restarted.
    platform = build_platform(settings)
    if workers > 1:
        platform.close()
        _serve_workers(settings, workers)
        return
    try:
        uvicorn.run(create_app(platform), **uvicorn_options(settings))
    finally:
        platform.close()


# A worker builds the whole platform before it answers uvicorn's health check; uvicorn's 5 s
# default made a busy 2-core machine abort rolling restarts (SIGHUP) half-way.
WORKER_READY_SECONDS = 60


def _serve_workers(settings: Settings, workers: int) -> None:
    """uvicorn's supervisor: it restarts a worker that dies (even by `kill -9`) and replaces
    the workers one by one on SIGHUP, each given `WORKER_READY_SECONDS` to become ready."""
    import uvicorn

    os.environ["KANGTONG_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "kangtong.web.asgi:app_from_environment",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=WORKER_READY_SECONDS,
        **uvicorn_options(settings),
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves kangtong: our logging, no access log, proxies believed if listed.

    uvicorn's access log would print query strings (names, ID numbers): `AccessLog` in the app
    logs requests without their values instead. `log_config=None` leaves uvicorn's own lines
    to the root handler, so every line has one format and the safe records (ADR 0025).
    X-Forwarded-Proto/-For are believed only from `KANGTONG_FORWARDED_ALLOW_IPS`; uvicorn's
    default would believe any client on 127.0.0.1.
    """
    proxies = settings.forwarded_allow_ips.strip()
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "log_config": None,
        "access_log": False,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
    }
