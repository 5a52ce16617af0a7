"""`kangtong terminology …`: install the shipped code systems, import national code lists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kangtong.cli.common import DatabaseOption, platform_for
from kangtong.core.errors import KangtongError
from kangtong.terminology.importers.kinds import KINDS

if TYPE_CHECKING:
    from kangtong.terminology.importers.run import ImportReport

console = Console()
terminology_app = typer.Typer(
    help="Terminology (术语): code systems, value sets, concept maps.", no_args_is_help=True
)
MAX_REJECTIONS_SHOWN = 50


@terminology_app.command("install")
def install(database_url: str | None = DatabaseOption) -> None:
    """Store the shipped code systems, value sets and concept maps (safe to run again)."""
    from kangtong.fhir.access import AccessContext
    from kangtong.terminology.shipped import install_shipped

    platform = platform_for(database_url)
    try:
        done = install_shipped(platform.terminology, AccessContext.system("terminology"))
    finally:
        platform.close()
    table = Table(title="Shipped terminology")
    table.add_column("resource")
    table.add_column("result")
    for name, result in done:
        table.add_row(name, result)
    console.print(table)


@terminology_app.command("import")
def import_file(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(sorted(KINDS))}"),
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV (UTF-8/GB18030) or XLSX"
    ),
    version: str | None = typer.Option(None, help="CodeSystem.version to record, e.g. 2.0"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Import a national code list; rejected rows are reported and never stop the rest."""
    from kangtong.fhir.access import AccessContext
    from kangtong.terminology.importers.run import import_code_list

    if kind not in KINDS:
        console.print(f"[red]Unknown kind '{kind}'[/red]; one of: {', '.join(sorted(KINDS))}")
        raise typer.Exit(2)
    platform = platform_for(database_url)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(f"{kind}: {file.name}", total=None)
            report = import_code_list(
                platform.terminology,
                AccessContext.system("terminology-import"),
                kind,
                file,
                version=version,
                on_row=lambda n: progress.advance(task, n),
                on_total=lambda n: progress.update(task, total=n),
            )
    except KangtongError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        platform.close()
    print_report(report)
    if not report.saved:
        raise typer.Exit(1)


def print_report(report: ImportReport) -> None:
    table = Table(title=f"Imported {report.kind} from {report.source}")
    table.add_column("code system")
    table.add_column("concepts", justify="right")
    table.add_column("result")
    for url, result, count in report.saved:
        table.add_row(url, str(count), result)
    console.print(table)
    console.print(
        f"{report.rows} rows: [green]{report.accepted} accepted[/green], "
        f"[red]{len(report.rejections)} rejected[/red]"
    )
    for rejection in report.rejections[:MAX_REJECTIONS_SHOWN]:
        console.print(f"  [red]✗[/red] row {rejection.row}: {rejection.reason}")
    if len(report.rejections) > MAX_REJECTIONS_SHOWN:
        console.print(f"  … and {len(report.rejections) - MAX_REJECTIONS_SHOWN} more")


def register(app: typer.Typer) -> None:
    app.add_typer(terminology_app, name="terminology")
