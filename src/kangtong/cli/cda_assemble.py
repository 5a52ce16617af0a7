"""`kangtong cda assemble TYPE --encounter ID --out FILE`: build one shared document.

The data is read through the resource service as the platform's own system context (the
operator's command), so every read is audited like any other.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kangtong.cli.common import DatabaseOption, platform_for


def assemble(
    type_code: str = typer.Argument(..., help="Document type, e.g. C0053, C0002, C0007, WST483-10"),
    encounter: str = typer.Option(..., "--encounter", help="Encounter id"),
    out: Path = typer.Option(..., "--out", help="File to write the CDA XML to"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Assemble the CDA document of TYPE from one Encounter's FHIR data."""
    from kangtong.core.errors import KangtongError
    from kangtong.documents.assembly import (
        AssemblyOptions,
        template_for,
    )
    from kangtong.documents.assembly import (
        assemble as build,
    )
    from kangtong.documents.assembly.gather import gather_record
    from kangtong.fhir.access import AccessContext

    try:
        template_for(type_code)
    except KangtongError as exc:
        typer.echo(f"kangtong: {exc}", err=True)
        raise typer.Exit(1) from exc
    platform = platform_for(database_url)
    options = AssemblyOptions(
        document_root=platform.settings.document_oid, classify=platform.classify
    )
    try:
        record = gather_record(platform.service, AccessContext.system("cda-assemble"), encounter)
        document = build(record, type_code, options)
    except KangtongError as exc:
        typer.echo(f"kangtong: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        platform.close()
    try:
        out.write_bytes(document)
    except OSError as exc:
        typer.echo(f"kangtong: cannot write {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{out}: {len(document):,} bytes")
