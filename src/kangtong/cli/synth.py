"""`kangtong synth`: generate a synthetic district (合成辖区) for demos, tests and benchmarks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from kangtong.synth import SynthSummary

# The generator's DEMO_PEOPLE and DEFAULT_FORMATS, mirrored so `--help` need not load it
# (checked by tests/unit/cli/test_lazy_commands.py).
DEMO_PEOPLE = 200
DEFAULT_FORMATS = ("fhir", "hl7v2", "csv")


def register(app: typer.Typer) -> None:
    """Add the `synth` command to the kangtong CLI."""
    app.command("synth")(synth)


def synth(
    out: Path = typer.Option(..., "--out", help="Directory to write into (created if missing)."),
    people: int = typer.Option(DEMO_PEOPLE, "--people", min=1, help="Number of residents."),
    seed: int = typer.Option(20240101, "--seed", help="Same seed, same output."),
    formats: str = typer.Option(
        ",".join(DEFAULT_FORMATS),
        "--formats",
        help="Comma-separated: fhir, bundles, hl7v2, csv, cda.",
    ),
    years: int = typer.Option(3, "--years", min=1, help="Years of care up to 2024-12-31."),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes (0 = one per CPU)."),
) -> None:
    """Generate a deterministic synthetic district: residents, institutions and years of care."""
    from kangtong.synth import SynthConfig, generate_district

    try:
        config = SynthConfig(
            people=people,
            seed=seed,
            years=years,
            formats=tuple(part.strip() for part in formats.split(",") if part.strip()),
            workers=workers or os.cpu_count() or 1,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    console = Console()
    with Progress(
        TextColumn("[bold]synth"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("people", total=people)
        summary = generate_district(config, out, lambda done: progress.advance(task, done))
    console.print(summary_table(summary, out))


def summary_table(summary: SynthSummary, out: Path) -> Table:
    table = Table(title=f"Synthetic district in {out}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("residents", f"{summary.people:,}")
    table.add_row("institutions", f"{summary.institutions:,}")
    table.add_row("practitioners", f"{summary.practitioners:,}")
    for kind, count in summary.counts.items():
        table.add_row(kind, f"{count:,}")
    table.add_row("FHIR resources", f"{summary.fhir_resources:,}")
    rate = summary.people / summary.seconds if summary.seconds else 0.0
    table.add_row("seconds", f"{summary.seconds:.1f} ({rate:,.0f} residents/s)")
    return table
