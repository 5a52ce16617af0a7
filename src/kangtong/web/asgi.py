"""The application as an ASGI server imports it by name, configured from the environment.

`kangtong serve --workers N` runs N uvicorn worker processes, each importing
`kangtong.web.asgi:app_from_environment`; any ASGI process manager can do the same, e.g.
`gunicorn -k uvicorn.workers.UvicornWorker 'kangtong.web.asgi:app_from_environment()'`.
Every process builds its own platform from the `KANGTONG_*` variables (`core.config.Settings`).
"""

from __future__ import annotations

from fastapi import FastAPI

from kangtong.core.config import Settings
from kangtong.core.log_safety import configure_logging
from kangtong.platform import build_platform
from kangtong.web.app import create_app


def app_from_environment() -> FastAPI:
    """A fresh platform and app for this process; the platform is closed at shutdown.

    A worker process starts without logging configured; it gets the CLI's (safe, one format)
    unless the process manager configured its own.
    """
    settings = Settings()
    configure_logging(log_format=settings.log_format)
    return create_app(build_platform(settings), owns_platform=True)
