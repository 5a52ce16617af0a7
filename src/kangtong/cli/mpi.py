"""`kangtong mpi`: the master patient index (主索引) from the command line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kangtong.cli.common import DatabaseOption, platform_for
from kangtong.core.errors import Invalid, KangtongError

# Mirrors of the linker's defaults (LinkerSettings), so `--help` need not load the engine
# (numpy, pypinyin); tests/unit/cli/test_lazy_commands.py checks that they agree.
LINK_THRESHOLD = 6.0
REVIEW_THRESHOLD = 0.0

if TYPE_CHECKING:
    from kangtong.fhir.access import AccessContext
    from kangtong.mpi.normalise.record import PersonRecord
    from kangtong.mpi.service import MpiService

mpi_app = typer.Typer(help="Master patient index (主索引): link registrations to persons.")


def register(app: typer.Typer) -> None:
    """Add the `mpi` group to the kangtong CLI."""
    app.add_typer(mpi_app, name="mpi")


@mpi_app.command("link")
def link(
    input_csv: Path = typer.Argument(..., exists=True, dir_okay=False, help="Identity CSV."),
    out: Path = typer.Option(..., "--out", help="Where to write record_id,person_id."),
    threshold_link: float = typer.Option(
        LINK_THRESHOLD,
        "--threshold-link",
        help="Match weight (bits) at or above which records link automatically.",
    ),
    threshold_review: float = typer.Option(
        REVIEW_THRESHOLD,
        "--threshold-review",
        help="Match weight (bits) from which a pair is reported for review.",
    ),
    review: Path | None = typer.Option(
        None, "--review", help="Also write the pairs for clerical review here (CSV)."
    ),
) -> None:
    """Link the registrations of INPUT (record_id,source,name,sex,birth_date,id_number,phone,
    address) into persons, unsupervised; write record_id,person_id for every row."""
    from kangtong.mpi.batch import link_identity_records, read_identity_csv, write_person_ids
    from kangtong.mpi.linker import LinkerSettings

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
    if not result.trusted and result.assessment is not None:
        failed = "; ".join(c.detail for c in result.assessment.failures)
        console.print(
            f"[yellow]The model fitted to this file is not trusted ({failed}): linked on exact "
            "valid citizen IDs only, other probable matches are review pairs.[/yellow]"
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


# -- the MPI service (主索引服务) on the configured database -----------------------------------
def system() -> AccessContext:
    """Who the MPI commands act as (built when a command runs: `--help` loads no store)."""
    from kangtong.fhir.access import AccessContext

    return AccessContext.system("cli")


@contextmanager
def _mpi(database_url: str | None) -> Iterator[MpiService]:
    """The MPI service; a refused operation prints why and exits with status 1."""
    platform = platform_for(database_url)
    try:
        yield platform.mpi
    except KangtongError as exc:
        Console(stderr=True).print(f"[red]refused:[/red] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        platform.close()


@mpi_app.command("train")
def train(
    limit: int = typer.Option(50_000, "--limit", help="Train on at most this many Patients."),
    database_url: str | None = DatabaseOption,
) -> None:
    """Train the matching model on the stored source Patients, check the fit, and keep it in
    the database when it passes every check (exit code 1 when it does not)."""
    with _mpi(database_url) as mpi:
        summary = mpi.train(system(), limit)
    typer.echo(
        f"trained on {summary.records} records, {summary.candidate_pairs} candidate pairs; "
        f"prior {summary.prior_bits:.1f} bits"
    )
    for check in summary.assessment.checks:
        typer.echo(f"  {'pass' if check.passed else 'FAIL'}  {check.name}: {check.detail}")
    if not summary.stored:
        typer.echo("not stored: the model in use is kept (links on an exact citizen ID only)")
        raise typer.Exit(1)
    typer.echo("stored: the MPI links with this model from now on")


@mpi_app.command("model")
def model(database_url: str | None = DatabaseOption) -> None:
    """Which model the MPI scores with (the region's own or the shipped default weights) and
    whether it links on its own."""
    with _mpi(database_url) as mpi:
        status = mpi.models.status()
    source = "the region's own" if status.source == "region" else "the shipped default weights"
    typer.echo(f"{source}, trained on {status.records} records")
    for check in status.checks:
        typer.echo(f"  {'pass' if check.passed else 'FAIL'}  {check.name}: {check.detail}")
    if status.note:
        typer.echo(f"note: {status.note}")
    typer.echo(
        "links automatically"
        if status.trusted
        else "links on an exact valid citizen ID only; "
        "other probable matches go to review (run `kangtong mpi train`)"
    )


@mpi_app.command("sync")
def sync(database_url: str | None = DatabaseOption) -> None:
    """Link every stored Patient the MPI has not linked yet (after a bulk load); take out the
    source records of deleted Patients."""
    with _mpi(database_url) as mpi:
        outcomes = mpi.sync(system())
    typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) or "nothing to link")


@mpi_app.command("match")
def match(
    name: str = typer.Option("", "--name"),
    birth_date: str = typer.Option("", "--birth-date"),
    id_number: str = typer.Option("", "--id-number"),
    phone: str = typer.Option("", "--phone"),
    sex: str = typer.Option("", "--sex", help="1 男 / 2 女"),
    address: str = typer.Option("", "--address"),
    count: int = typer.Option(10, "--count"),
    database_url: str | None = DatabaseOption,
) -> None:
    """The master persons a registration may be, strongest first (person, weight, grade)."""
    from kangtong.mpi.normalise.record import IdentityRecord

    identity = IdentityRecord("query", "", name, sex, birth_date, id_number, phone, address)
    with _mpi(database_url) as mpi:
        found = mpi.match_record(mpi.normaliser.normalise(identity), count)
    for m in found:
        typer.echo(f"Person/{m.person_id}\t{m.score:.2f}\t{m.grade}\t{m.evidence}")


@mpi_app.command("review")
def review(
    accept: str | None = typer.Option(None, "--accept", help="Accept this review."),
    reject: str | None = typer.Option(None, "--reject", help="Reject this review."),
    status: str = typer.Option("open", "--status"),
    database_url: str | None = DatabaseOption,
) -> None:
    """List the review queue, or accept / reject one review."""
    with _mpi(database_url) as mpi:
        if accept:
            mpi.curation.accept(system(), accept)
        if reject:
            mpi.curation.reject(system(), reject)
        rows = [] if accept or reject else mpi.reviews(system(), status, 1000, 0)
    for row in rows:
        typer.echo(f"{row.id}\tPatient/{row.patient_id}\tPerson/{row.person_id}\t{row.score:.2f}")


@mpi_app.command("link-records")
def link_records(
    patient: str = typer.Argument(..., help="Patient id"),
    person: str = typer.Argument(..., help="Person id"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Link a source Patient to a master person by hand."""
    with _mpi(database_url) as mpi:
        mpi.curation.link(system(), patient, person)
    typer.echo(f"Patient/{patient} → Person/{person}")


@mpi_app.command("unlink")
def unlink(patient: str = typer.Argument(...), database_url: str | None = DatabaseOption) -> None:
    """Take a source Patient out of its person into a new person of its own."""
    with _mpi(database_url) as mpi:
        person = mpi.curation.unlink(system(), patient)
    typer.echo(f"Patient/{patient} → Person/{person}")


@mpi_app.command("merge")
def merge(
    survivor: str = typer.Argument(...),
    merged: str = typer.Argument(...),
    database_url: str | None = DatabaseOption,
) -> None:
    """Merge person MERGED into SURVIVOR; prints the merge id (for unmerge)."""
    with _mpi(database_url) as mpi:
        row = mpi.curation.merge(system(), survivor, merged)
    typer.echo(row.id)


@mpi_app.command("unmerge")
def unmerge(merge_id: str = typer.Argument(...), database_url: str | None = DatabaseOption) -> None:
    """Undo a merge: the moved source records go back to the merged person."""
    with _mpi(database_url) as mpi:
        mpi.curation.unmerge(system(), merge_id)
    typer.echo(f"merge {merge_id} undone")


@mpi_app.command("record")
def record(
    action: str = typer.Argument(..., help="open | close | transfer | history"),
    person: str = typer.Argument(...),
    district: str = typer.Option("", "--district", help="GB/T 2260 code (open, transfer)"),
    reason: str = typer.Option("", "--reason", help="death | emigration (close)"),
    database_url: str | None = DatabaseOption,
) -> None:
    """档案管理: open (建档), close (注销), transfer (属地变更) a health record, or show its history."""
    with _mpi(database_url) as mpi:
        if action == "history":
            for event in mpi.lifecycle.history(system(), person):
                s = event.status
                typer.echo(
                    f"v{event.version}\t{event.recorded}\t{s.status}\t{s.reason or ''}\t{s.district or ''}"
                )
            return
        steps = {
            "open": lambda: mpi.lifecycle.open(system(), person, district),
            "close": lambda: mpi.lifecycle.close(system(), person, reason),
            "transfer": lambda: mpi.lifecycle.transfer(system(), person, district),
        }
        if action not in steps:
            raise Invalid("action must be open, close, transfer or history")
        status = steps[action]()
    typer.echo(f"{status.status} {status.reason or ''} {status.district or ''}".strip())
