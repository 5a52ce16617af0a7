"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from kangtong.core.config import Settings

DatabaseOption = typer.Option(
    None, "--database-url", help="sqlite:///path or postgresql://… (default: KANGTONG_DATABASE_URL)"
)


def settings_for(database_url: str | None, **overrides: object) -> Settings:
    from kangtong.core.config import Settings  # pydantic-settings: loaded by commands that run

    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]
