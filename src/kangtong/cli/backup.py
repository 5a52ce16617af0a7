"""`kangtong backup` and `kangtong restore`: consistent snapshots with checksums (see
`security.backup_archive`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.core.clock import SystemClock
from kangtong.core.errors import KangtongError
from kangtong.security.backup_archive import (
    backup_key,
    copy_offsite,
    create_backup,
    restore_backup,
)
from kangtong.store.database import open_database

console = Console(stderr=True)


def backup(
    out: Path = typer.Option(..., "--out", help="Folder that receives the archive"),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="SM4 key (32 hex characters) to encrypt with; created if missing"
    ),
    offsite: Path | None = typer.Option(
        None, "--offsite", help="Second folder (off-site) that receives a verified copy"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Snapshot the database into a checksummed (optionally encrypted) archive; print its path."""
    db = open_database(settings_for(database_url).database_url)
    try:
        key = None
        if key_file is not None:
            key, created = backup_key(key_file)
            if created:
                console.print(f"Created a new key in {key_file}: keep it apart from the backups")
        archive = create_backup(db, out, SystemClock(), key)
        copy = copy_offsite(archive, offsite) if offsite is not None else None
    except KangtongError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    typer.echo(str(archive))
    if copy is not None:
        console.print(f"Off-site copy verified: {copy}")


def restore(
    archive: Path = typer.Argument(..., help="Archive folder written by `kangtong backup`"),
    key_file: Path | None = typer.Option(None, "--key-file", help="The SM4 key of the archive"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Verify the archive's checksum and restore it into an empty database."""
    if key_file is not None and not key_file.exists():
        console.print(f"[red]{key_file} does not exist[/red]")
        raise typer.Exit(1)
    db = open_database(settings_for(database_url).database_url)
    try:
        key = backup_key(key_file)[0] if key_file is not None else None
        manifest = restore_backup(archive, db, key)
    except KangtongError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    console.print(f"Restored {manifest.dialect} backup of {manifest.created} "
                  f"(revision {manifest.revision})")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
