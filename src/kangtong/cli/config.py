"""`kangtong config show` and `kangtong config docs`: the settings, effective and documented.

Both stay light: they import the settings and nothing of the platform, open no database and
build nothing, so they answer at once even where the database is down.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.core.settings_docs import MarkersMissing, settings_table, with_table
from kangtong.core.settings_view import shown_settings

config_app = typer.Typer(help="Settings (配置): show the effective ones, render their table.")


@config_app.command("show")
def show(
    database_url: str | None = DatabaseOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON object: name → value, source"),
) -> None:
    """Print the effective settings (options, environment, .env, defaults), secrets masked."""
    settings = settings_for(database_url)
    options = frozenset({"database_url"} if database_url else ())
    shown = shown_settings(settings, options)
    if as_json:
        document = {s.name: {"value": s.value, "source": s.source} for s in shown}
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    width = max(len(s.env_var) for s in shown)
    for s in shown:
        value = ",".join(map(str, s.value)) if isinstance(s.value, list) else s.value
        typer.echo(f"{s.env_var:<{width}}  {value}  ({s.source})")


@config_app.command("docs")
def docs(
    write: Path | None = typer.Option(
        None, "--write", help="Page whose settings table to replace (docs/settings.md)"
    ),
) -> None:
    """Print the Markdown table of every setting, or put it into a page between its markers."""
    if write is None:
        typer.echo(settings_table(), nl=False)
        return
    try:
        page = with_table(write.read_text(encoding="utf-8"))
    except (OSError, MarkersMissing) as exc:
        typer.echo(f"kangtong: cannot update {write}: {exc}", err=True)
        raise typer.Exit(1) from None
    write.write_text(page, encoding="utf-8")
    typer.echo(f"Settings table written to {write}")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
