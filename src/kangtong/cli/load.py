"""`kangtong load FILE…`: bulk-load NDJSON or Bundle JSON files with progress and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kangtong.cli.common import DatabaseOption, platform_for

if TYPE_CHECKING:
    from kangtong.fhir.loader import LoadReport
    from kangtong.platform import Platform

console = Console()


def load(
    paths: list[Path] = typer.Argument(
        ..., help="NDJSON files, Bundle JSON files, or folders of them", exists=True
    ),
    database_url: str | None = DatabaseOption,
    batch_size: int = typer.Option(500, help="Resources per transaction"),
) -> None:
    """Load FHIR resources; rejected lines are reported and never stop the rest."""
    platform = platform_for(database_url)
    try:
        report = load_paths(platform, paths, batch_size=batch_size)
    finally:
        platform.close()
    print_report(report)
    if report.loaded == 0 and report.rejected:
        raise typer.Exit(1)


def load_paths(
    platform: Platform, paths: list[Path], *, batch_size: int = 500, show: bool = True
) -> LoadReport:
    from kangtong.fhir.access import AccessContext
    from kangtong.fhir.loader import LoadReport, ResourceLoader, files_to_load
    from kangtong.store.statistics import refresh_statistics

    files = files_to_load(paths)
    loader = ResourceLoader(platform.service, platform.bundles, batch_size=batch_size)
    report = LoadReport()
    ctx = AccessContext.system("loader")
    total = sum(f.stat().st_size for f in files)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=not show, transient=True) as progress:
        task = progress.add_task("loading", total=total)
        for path in files:
            progress.update(task, description=path.name)
            loader.load_file(ctx, path, report, lambda n: progress.advance(task, n))
    if report.loaded:
        refresh_statistics(platform.db)  # the planner should see the data as it now is
    return report


def print_report(report: LoadReport) -> None:
    table = Table(title="Loaded", show_header=True)
    table.add_column("resource type")
    table.add_column("count", justify="right")
    for res_type, count in sorted(report.by_type.items()):
        table.add_row(res_type, str(count))
    console.print(table)
    console.print(f"[green]{report.loaded} loaded[/green], [red]{report.rejected} rejected[/red]")
    if report.flagged:
        console.print(
            f"[yellow]{report.flagged} loaded with a warning[/yellow] (e.g. a citizen ID that "
            "fails GB 11643, kept and flagged: Patient.identifier.extension identifier-check-failed)"
        )
    for rejection in report.rejections[:20]:
        console.print(f"  [red]✗[/red] {rejection.source}: {rejection.reason}")
    if report.rejected > 20:
        console.print(f"  … and {report.rejected - 20} more")
