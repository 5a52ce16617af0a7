"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

if TYPE_CHECKING:
    from kangtong.core.config import Settings
    from kangtong.platform import Platform

DatabaseOption = typer.Option(
    None, "--database-url", help="sqlite:///path or postgresql://… (default: KANGTONG_DATABASE_URL)"
)


class OperatorError(Exception):
    """Input the operator can correct (a setting, a revision, the state of the database):
    `kangtong` prints the message as one line and exits with status 1 (cli/main.py)."""


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    """The settings from the environment and `.env`, with the command's options on top."""
    from pydantic import ValidationError

    from kangtong.core.config import Settings  # pydantic-settings: loaded by commands that run

    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    try:
        settings = Settings(**values)  # type: ignore[arg-type]
    except ValidationError as invalid:
        raise OperatorError(_first_setting_error(invalid)) from None
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OperatorError(
            f"setting KANGTONG_TIMEZONE: no time zone {settings.timezone!r} (e.g. Asia/Shanghai)"
        ) from None
    return settings


def _first_setting_error(invalid: object) -> str:
    """`KANGTONG_PORT: Input should be a valid integer` (the value itself is not repeated)."""
    errors = invalid.errors()  # type: ignore[attr-defined]
    where = ".".join(str(part) for part in errors[0]["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"setting KANGTONG_{where.upper()}: {errors[0]['msg']}{more}"


def existing_database(url: str) -> str:
    """`url`, unless it names an SQLite file that does not exist: a read never creates one."""
    from kangtong.store.database import parse_database_url

    parsed = parse_database_url(url)
    path = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not Path(path).exists():
        raise OperatorError(f"no database at {path} (`kangtong db upgrade` creates it)")
    return url


def require_current_schema(database_url: str) -> None:
    """Refuse to serve a database that is missing or not migrated to this kangtong's schema.

    Served as it is, it would answer every request with an error and log one each second.
    """
    from kangtong.store.database import open_database
    from kangtong.store.migrate import current_revision, head_revision

    db = open_database(existing_database(database_url))
    try:
        found = current_revision(db)
    finally:
        db.dispose()
    expected = head_revision()
    if found != expected:
        at = f"is at revision {found}" if found else "has no kangtong schema"
        raise OperatorError(
            f"the database {at}; this kangtong needs {expected}: run `kangtong db upgrade`"
        )


def platform_for(database_url: str | None) -> Platform:
    """The platform on the configured database, once it is known to have the current schema
    (an unmigrated one would fail at the first query, and again while the platform closes)."""
    from kangtong.platform import build_platform

    settings = settings_for(database_url)
    require_current_schema(settings.database_url)
    return build_platform(settings)
