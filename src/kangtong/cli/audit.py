"""`kangtong audit …`: verify the keyed audit chain, purge records past retention, rotate its key."""

from __future__ import annotations

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.core.clock import SystemClock
from kangtong.core.errors import KangtongError

# The trail's MIN_RETENTION_DAYS, mirrored for `--help` (checked by test_lazy_commands.py);
# the trail itself refuses a shorter retention.
MIN_RETENTION_DAYS = 180

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
console = Console()


@audit_app.command("verify")
def verify(database_url: str | None = DatabaseOption) -> None:
    """Walk the hash chain; exit 1 and name the first broken link when it was tampered with."""
    from kangtong.security.services import audit_trail
    from kangtong.store.database import open_database

    settings = settings_for(database_url)
    db = open_database(settings.database_url)
    try:
        report = audit_trail(settings, db, SystemClock()).verify()
    finally:
        db.dispose()
    if report.broken is not None:
        broken = report.broken
        where = f"seq {broken.seq}" if broken.seq else "the anchor journal"
        console.print(f"[red]Broken at {where}: {broken.problem}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]Audit chain intact[/green] ({report.rows} rows)")


@audit_app.command("purge")
def purge(
    older_than_days: int = typer.Option(
        ..., "--older-than-days", help=f"At least {MIN_RETENTION_DAYS}"
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Delete audit records older than N days (N ≥ 180); the chain stays verifiable."""
    from kangtong.security.audit_events import AuditFacts, build_audit_event
    from kangtong.security.services import audit_trail
    from kangtong.store.database import open_database

    settings = settings_for(database_url)
    db = open_database(settings.database_url)
    clock = SystemClock()
    trail = audit_trail(settings, db, clock)
    try:
        report = trail.purge(older_than_days)
        facts = AuditFacts("purge", "success", "cli/operator", clock.now(),
                           details=(("deleted-rows", str(report.deleted)),))  # fmt: skip
        trail.append("purge", "success", build_audit_event(facts))
    except KangtongError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    console.print(f"Purged {report.deleted} audit records older than {older_than_days} days")


@audit_app.command("rotate-key")
def rotate_key(database_url: str | None = DatabaseOption) -> None:
    """Make a new audit key current (old rows keep verifying under theirs); audited."""
    from kangtong.security.audit_events import AuditFacts, build_audit_event
    from kangtong.security.services import audit_trail
    from kangtong.store.database import open_database

    settings = settings_for(database_url)
    db = open_database(settings.database_url)
    clock = SystemClock()
    try:
        trail = audit_trail(settings, db, clock)
        key_id = trail.keys.rotate()
        facts = AuditFacts("rotate-key", "success", "cli/operator", clock.now(),
                           details=(("audit-key", key_id),))  # fmt: skip
        trail.append("rotate-key", "success", build_audit_event(facts))
    finally:
        db.dispose()
    console.print(f"Audit key {key_id} is current; rows sealed before keep their key")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
