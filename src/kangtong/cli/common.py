"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import typer

from kangtong.core.config import Settings

DatabaseOption = typer.Option(
    None, "--database-url", help="sqlite:///path or postgresql://… (default: KANGTONG_DATABASE_URL)"
)


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]
