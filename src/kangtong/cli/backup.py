"""`kangtong backup`, `kangtong backup verify` and `kangtong restore`: consistent snapshots with
checksums and an SM2-signed manifest (see `security.backup_archive`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.core.clock import SystemClock
from kangtong.core.errors import KangtongError

if TYPE_CHECKING:
    from kangtong.security.keys import KeyFiles

console = Console(stderr=True)
backup_app = typer.Typer(help="Backups (备份): make one, or verify one.")


def _keys(database_url: str | None = None) -> KeyFiles:
    from kangtong.security.keys import KeyFiles

    return KeyFiles(Path(settings_for(database_url).security_key_dir))


@backup_app.callback(invoke_without_command=True)
def backup(
    context: typer.Context,
    out: Path | None = typer.Option(None, "--out", help="Folder that receives the archive"),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="SM4 key (32 hex characters) to encrypt with; created if missing"
    ),
    offsite: Path | None = typer.Option(
        None, "--offsite", help="Second folder (off-site) that receives a verified copy"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Snapshot the database into a checksummed, SM2-signed (optionally encrypted) archive."""
    from kangtong.security.backup_archive import backup_key, copy_offsite, create_backup
    from kangtong.security.crypto.sm2 import Sm2Signer
    from kangtong.store.database import open_database

    if context.invoked_subcommand is not None:
        return
    if out is None:
        console.print("[red]Give --out DIR (the folder that receives the archive)[/red]")
        raise typer.Exit(2)
    db = open_database(settings_for(database_url).database_url)
    try:
        key = None
        if key_file is not None:
            key, created = backup_key(key_file)
            if created:
                console.print(f"Created a new key in {key_file}: keep it apart from the backups")
        signer = Sm2Signer(_keys(database_url).sm2_keys())
        archive = create_backup(db, out, SystemClock(), signer, key)
        copy = copy_offsite(archive, offsite) if offsite is not None else None
    except KangtongError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    typer.echo(str(archive))
    if copy is not None:
        console.print(f"Off-site copy verified: {copy}")


@backup_app.command("verify")
def verify(
    archive: Path = typer.Argument(
        ..., exists=True, help="Archive folder written by `kangtong backup`"
    ),
) -> None:
    """Check the archive's SM2 signature (this platform's key) and its checksums; exit 1 if not."""
    from kangtong.security.backup_archive import verify_signed_backup
    from kangtong.security.signed_manifest import key_id

    public = _keys().sm2_keys().public_hex
    try:
        manifest = verify_signed_backup(archive, public)
    except KangtongError as exc:
        console.print(f"[red]{archive}: refused. {exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(f"{archive}: signature (SM2 key {key_id(public)}) and checksums verified; "
               f"{manifest.dialect} backup of {manifest.created}, revision {manifest.revision}")  # fmt: skip


def restore(
    archive: Path = typer.Argument(
        ..., exists=True, help="Archive folder written by `kangtong backup`"
    ),
    key_file: Path | None = typer.Option(None, "--key-file", help="The SM4 key of the archive"),
    unsigned: bool = typer.Option(
        False, "--unsigned", help="Accept an archive without a signature (made before signing)"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Verify the archive's signature and checksums and restore it into an empty database."""
    from kangtong.security.backup_archive import backup_key, restore_backup
    from kangtong.store.database import open_database

    if key_file is not None and not key_file.exists():
        console.print(f"[red]{key_file} does not exist[/red]")
        raise typer.Exit(1)
    trusted = None if unsigned else _keys(database_url).sm2_keys().public_hex
    db = open_database(settings_for(database_url).database_url)
    try:
        key = backup_key(key_file)[0] if key_file is not None else None
        manifest = restore_backup(archive, db, key, trusted_public_hex=trusted)
    except KangtongError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    console.print(f"Restored {manifest.dialect} backup of {manifest.created} "
                  f"(revision {manifest.revision})")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    app.command("restore")(restore)
