"""`kangtong db …`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, OperatorError, existing_database, settings_for

# The store (SQLAlchemy, alembic) is imported by the command that runs, not by `--help`.

db_app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)
console = Console()


@db_app.command("upgrade")
def upgrade_command(database_url: str | None = DatabaseOption, revision: str = "head") -> None:
    """Migrate the database schema to the latest revision (safe to run repeatedly)."""
    from alembic.util import CommandError

    from kangtong.core import canonical
    from kangtong.store.database import open_database
    from kangtong.store.migrate import current_revision, upgrade
    from kangtong.store.platform_facts import CanonicalBaseMismatch, require_canonical_base

    settings = settings_for(database_url)
    db = open_database(settings.database_url)
    try:
        upgrade(db, revision)
        console.print(f"[green]Schema at revision {current_revision(db)}[/green] ({db.dialect})")
        # Say now, not at the next start, that the data keeps the base it was written under.
        require_canonical_base(db, canonical.BASE)
    except CanonicalBaseMismatch as mismatch:
        console.print(f"[red]{mismatch}[/red]")
        raise typer.Exit(1) from None
    except CommandError as unknown:  # e.g. a --revision that is not one of the migrations
        raise OperatorError(f"cannot migrate to {revision!r}: {unknown}") from None
    finally:
        db.dispose()


@db_app.command("current")
def current_command(database_url: str | None = DatabaseOption) -> None:
    """Print the schema revision the database is at."""
    from kangtong.store.database import open_database
    from kangtong.store.migrate import current_revision

    db = open_database(existing_database(settings_for(database_url).database_url))
    try:
        console.print(current_revision(db) or "(empty database)")
    finally:
        db.dispose()


@db_app.command("analyze")
def analyze_command(database_url: str | None = DatabaseOption) -> None:
    """Refresh the query planner's statistics (run after large loads; `kangtong load` does)."""
    from kangtong.store.database import open_database
    from kangtong.store.statistics import refresh_statistics

    db = open_database(existing_database(settings_for(database_url).database_url))
    try:
        refresh_statistics(db)
        console.print("[green]Statistics refreshed[/green]")
    finally:
        db.dispose()
