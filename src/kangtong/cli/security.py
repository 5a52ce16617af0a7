"""`kangtong security …`: maintenance of the security index."""

from __future__ import annotations

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, platform_for

console = Console()
security_app = typer.Typer(help="Security (安全): labels of sensitive data.", no_args_is_help=True)


@security_app.command("relabel")
def relabel(
    database_url: str | None = DatabaseOption,
    batch: int = typer.Option(500, min=1, help="Resources per write transaction"),
) -> None:
    """Re-derive the sensitive-category labels of every stored resource (safe to run again).

    Run it after adding or changing a sensitive-category value set, or after an upgrade whose
    release notes say the shipped rules changed: new writes are labelled at once, stored data
    only by this. A sensitive resource stored in clear is sealed (every version) and indexed
    again; other content and history are not changed.
    """
    from kangtong.security.labels import relabel as relabel_resources

    platform = platform_for(database_url)
    try:
        report = relabel_resources(
            platform.db,
            platform.classify,
            sealing=platform.service.repository.sealing,
            indexer=platform.service.indexer,
            batch=batch,
            on_batch=lambda r: console.print(f"  {r.examined} examined, {r.changed} relabelled"),
        )
    finally:
        platform.close()
    console.print(
        f"{report.examined} resources examined, {report.changed} relabelled, {report.sealed} sealed"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(security_app, name="security")
