"""`kangtong mpi`: the master patient index (主索引) from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kangtong.core.errors import Invalid
from kangtong.mpi.batch import link_identity_records, read_identity_csv, write_person_ids
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.normalise.record import PersonRecord

mpi_app = typer.Typer(help="Master patient index (主索引): link registrations to persons.")


def register(app: typer.Typer) -> None:
    """Add the `mpi` group to the kangtong CLI."""
    app.add_typer(mpi_app, name="mpi")


@mpi_app.command("link")
def link(
    input_csv: Path = typer.Argument(..., exists=True, dir_okay=False, help="Identity CSV."),
    out: Path = typer.Option(..., "--out", help="Where to write record_id,person_id."),
    threshold_link: float = typer.Option(
        LinkerSettings.link_threshold,
        "--threshold-link",
        help="Match weight (bits) at or above which records link automatically.",
    ),
    threshold_review: float = typer.Option(
        LinkerSettings.review_threshold,
        "--threshold-review",
        help="Match weight (bits) from which a pair is reported for review.",
    ),
    review: Path | None = typer.Option(
        None, "--review", help="Also write the pairs for clerical review here (CSV)."
    ),
) -> None:
    """Link the registrations of INPUT (record_id,source,name,sex,birth_date,id_number,phone,
    address) into persons, unsupervised; write record_id,person_id for every row."""
    console = Console(stderr=True)
    settings = LinkerSettings(link_threshold=threshold_link, review_threshold=threshold_review)
    try:
        records = read_identity_csv(input_csv)
    except Invalid as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("normalising", total=len(records))

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        people, result = link_identity_records(records, settings, progress)
    write_person_ids(out, records, result.labels)
    if review is not None:
        _write_review(review, people, result.review_pairs(settings))
    persons = len(set(result.labels))
    console.print(
        f"{len(records)} records → {persons} persons; {len(result.pairs)} candidate pairs; "
        f"{sum(result.timings.values()):.1f} s. Wrote {out}"
    )


def _write_review(
    path: Path, people: list[PersonRecord], pairs: list[tuple[int, int, float]]
) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("record_id_a", "record_id_b", "match_weight"))
        writer.writerows(
            (people[a].record_id, people[b].record_id, f"{s:.2f}") for a, b, s in pairs
        )
