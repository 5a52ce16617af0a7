"""`kangtong cda …`: CDA R2 shared documents (WS/T 500, WS/T 483) — validate and assemble them.

Imports of lxml and the validators happen inside the commands, so `kangtong --help` stays light
(ADR 0030).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kangtong.cli.cda_assemble import assemble
from kangtong.cli.common import DatabaseOption

if TYPE_CHECKING:
    from kangtong.documents.validation import CodeLookup, Report

cda_app = typer.Typer(
    help="CDA shared documents (共享文档): WS/T 500 EMR and WS/T 483 health-record documents.",
    no_args_is_help=True,
)
cda_app.command("assemble")(assemble)
JSON_FORMAT_VERSION = 1


def register(app: typer.Typer) -> None:
    """Add the `cda` command group to the kangtong CLI."""
    app.add_typer(cda_app, name="cda")


@cda_app.command("validate")
def validate(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="CDA XML files."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    use_database: bool = typer.Option(
        False,
        "--terminology",
        help="Check codes against the platform's terminology (default: the built-in short lists).",
    ),
    database_url: str | None = DatabaseOption,
) -> None:
    """Validate documents layer by layer; exit 0 when every file is valid, 1 otherwise."""
    from kangtong.documents.validation import StaticCodes, validate_bytes

    close = None
    lookup: CodeLookup = StaticCodes()
    if use_database:
        lookup, close = _terminology_lookup(database_url)
    try:
        reports = [(path, validate_bytes(_read(path), lookup)) for path in files]
    finally:
        if close is not None:
            close()
    if as_json:
        typer.echo(json.dumps(reports_json(reports), ensure_ascii=False, indent=2))
    else:
        for path, report in reports:
            typer.echo("\n".join(report_lines(path, report)))
    raise typer.Exit(0 if all(report.valid for _, report in reports) else 1)


def _read(path: Path) -> bytes:
    """At most one byte more than the parser accepts: a huge file or a device such as /dev/zero
    is refused by its size, never read whole into memory."""
    from kangtong.documents.safe_xml import MAX_BYTES

    try:
        with path.open("rb") as file:
            data: bytes = file.read(MAX_BYTES + 1)
    except OSError as exc:
        typer.echo(f"kangtong: cannot read {path}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    return data


def _terminology_lookup(database_url: str | None) -> tuple[CodeLookup, Any]:
    from kangtong.cli.common import platform_for
    from kangtong.fhir.access import AccessContext
    from kangtong.platform.cda_codes import TerminologyCodeLookup

    platform = platform_for(database_url)
    lookup = TerminologyCodeLookup(platform.terminology, AccessContext.system("cda-validate"))
    return lookup, platform.close


def report_lines(path: Path, report: Report) -> list[str]:
    verdict = "有效 valid" if report.valid else "无效 invalid"
    lines = [f"{path}: {verdict} ({len(report.findings)} findings)"]
    for f in report.findings:
        line = f":{f.line}" if f.line is not None else ""
        lines.append(f"  {path}{line} {f.severity} {f.rule_id} {f.xpath}: {f.message_zh}")
    return lines


def reports_json(reports: list[tuple[Path, Report]]) -> dict[str, Any]:
    """The stable machine format (docs/documents.md): version, overall validity, one entry per file."""
    return {
        "format": JSON_FORMAT_VERSION,
        "valid": all(report.valid for _, report in reports),
        "files": [
            {
                "file": str(path),
                "valid": report.valid,
                "errors": sum(f.severity == "error" for f in report.findings),
                "warnings": sum(f.severity == "warning" for f in report.findings),
                "findings": [f.as_json() for f in report.findings],
            }
            for path, report in reports
        ],
    }
