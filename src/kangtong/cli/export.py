"""`kangtong export …`: request, approve and download de-identified exports.

The caller is named by a bearer access token (`--token` or KANGTONG_TOKEN), as over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, platform_for, settings_for
from kangtong.core.errors import Invalid, KangtongError

# The workflow's DEFAULT_K, mirrored so `--help` need not load the platform (checked by
# tests/unit/cli/test_lazy_commands.py).
DEFAULT_K = 5

if TYPE_CHECKING:
    from kangtong.fhir.access import AccessContext
    from kangtong.platform import Platform

export_app = typer.Typer(
    help="De-identified exports (脱敏导出) with approval.", no_args_is_help=True
)
console = Console(stderr=True)
TokenOption = typer.Option(..., "--token", envvar="KANGTONG_TOKEN", help="Bearer access token")


def _run(database_url: str | None, token: str) -> tuple[Platform, AccessContext]:
    from kangtong.security.oauth_errors import OAuthError

    platform = platform_for(database_url)
    try:
        return platform, platform.security.tokens.verify(token).context()
    except OAuthError as exc:
        platform.close()
        console.print(f"[red]{exc.description}[/red]")
        raise typer.Exit(1) from exc


def _fail(platform: Platform, exc: KangtongError) -> typer.Exit:
    platform.close()
    console.print(f"[red]{exc}[/red]")
    return typer.Exit(1)


@export_app.command("request")
def request(
    query: str = typer.Option(..., "--query", help="FHIR search, e.g. 'Patient?gender=female'"),
    purpose: str = typer.Option(..., "--purpose", help="Why the data is needed (≥ 10 characters)"),
    k: int = typer.Option(DEFAULT_K, "--k", help="Smallest group of people released"),
    birth: str = typer.Option("year", "--birth", help="Birth date kept as year or band5"),
    token: str = TokenOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Ask for an export; prints the request id to give to an approver."""
    from kangtong.security.export.workflow import NewExport

    platform, ctx = _run(database_url, token)
    try:
        row = platform.exports.request(ctx, NewExport(query, purpose, k, birth))  # type: ignore[arg-type]
    except KangtongError as exc:
        raise _fail(platform, exc) from exc
    platform.close()
    typer.echo(row.id)


@export_app.command("approve")
def approve(
    request_id: str = typer.Argument(..., help="Export request id"),
    token: str = TokenOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Approve another person's request; prints the one-time download token (shown once)."""
    platform, ctx = _run(database_url, token)
    try:
        approval = platform.exports.approve(ctx, request_id)
    except KangtongError as exc:
        raise _fail(platform, exc) from exc
    platform.close()
    typer.echo(approval.download_token)


@export_app.command("download")
def download(
    request_id: str = typer.Argument(..., help="Export request id"),
    download_token: str = typer.Option(..., "--download-token", help="From the approval"),
    out: Path = typer.Option(..., "--out", help="NDJSON file to write (must not exist)"),
    token: str = TokenOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Run the approved export once; write its NDJSON and the signed manifest FILE.sig.json."""
    if out.exists():
        console.print(f"[red]{out} exists: choose a new file[/red]")
        raise typer.Exit(1)
    platform, ctx = _run(database_url, token)
    try:
        done = platform.exports.download(ctx, request_id, download_token)
    except KangtongError as exc:
        raise _fail(platform, exc) from exc
    platform.close()
    out.write_bytes(done.result.ndjson)
    out.chmod(0o600)
    signature_path(out).write_bytes(done.signature)
    console.print(f"{done.result.exported} resources written to {out}; "
                  f"{done.result.withheld_records} withheld (small cells)")  # fmt: skip


def signature_path(out: Path) -> Path:
    return out.with_name(out.name + ".sig.json")


@export_app.command("verify")
def verify(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="NDJSON written by `kangtong export download`"
    ),
    signature: Path | None = typer.Option(
        None, "--signature", help="Its signed manifest (default: FILE.sig.json beside it)"
    ),
) -> None:
    """Check the export's SM2 signature (this platform's key) and checksums; exit 1 if not."""
    from kangtong.security.export.signature import verify_export
    from kangtong.security.keys import KeyFiles
    from kangtong.security.signed_manifest import key_id

    public = KeyFiles(Path(settings_for(None).security_key_dir)).sm2_keys().public_hex
    try:
        sidecar = signature or signature_path(file)
        if not file.is_file() or not sidecar.is_file():
            raise Invalid(f"{file} or its signature {sidecar} is missing: it cannot be verified")
        manifest = verify_export(file.read_bytes(), sidecar.read_bytes(), public)
    except KangtongError as exc:
        console.print(f"[red]{file}: refused. {exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(f"{file}: signature (SM2 key {key_id(public)}) and checksums verified; "
               f"export {manifest['request']} of {manifest['created']}, {manifest['bytes']} bytes")  # fmt: skip


@export_app.command("list")
def list_requests(
    limit: int = typer.Option(50, "--limit"),
    token: str = TokenOption,
    database_url: str | None = DatabaseOption,
) -> None:
    """Recent requests, tab-separated (approvers see all, others their own)."""
    platform, ctx = _run(database_url, token)
    rows = platform.exports.visible_to(ctx, limit)
    platform.close()
    typer.echo("id\tstatus\tquery\trequester\tapprover\texported\twithheld")
    for row in rows:
        fields = (row.id, row.status, row.query, row.requester, row.approver or "-",
                  row.exported, row.suppressed)  # fmt: skip
        typer.echo("\t".join("-" if f is None else str(f) for f in fields))


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
