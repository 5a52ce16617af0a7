"""`kangtong demo`: load a small synthetic demo region into an empty database (first start),
then make sure its demo accounts and clients exist and print how to use them."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for

console = Console()


def demo(
    database_url: str | None = DatabaseOption,
    people: int = typer.Option(200, help="Residents in the demo region"),
    seed: int = typer.Option(20261123, help="Seed of the synthetic region"),
    base_url: str = typer.Option(
        "http://127.0.0.1:8080",
        "--base-url",
        help="Where `kangtong serve` answers (for the commands)",
    ),
) -> None:
    """Load the synthetic demo region unless the database already holds patients; then create
    the demo accounts and clients (once) and print copy-paste commands that use them."""
    # The platform, the generator and the loaders load for the command, not for `--help`.
    from kangtong.cli.demo_cast import choose_cast
    from kangtong.cli.demo_commands import demo_commands, kangtong_executable
    from kangtong.cli.demo_load import load_as_owners
    from kangtong.cli.demo_people import CREDENTIALS_FILE, ensure_people, keep_credentials
    from kangtong.cli.load import print_report
    from kangtong.core.errors import Conflict
    from kangtong.fhir.access import AccessContext
    from kangtong.platform import build_platform
    from kangtong.synth.config import SynthConfig
    from kangtong.synth.generate import generate_district

    platform = build_platform(settings_for(database_url))
    config = SynthConfig(people=people, seed=seed, formats=("fhir",))
    district = platform.settings.default_district or config.place.area_code
    try:
        existing = platform.service.search(
            AccessContext.system("demo"), "Patient", [("_count", "1")]
        )
        key_dir = Path(platform.settings.security_key_dir)
        marker = key_dir / CREDENTIALS_FILE  # written before the demo loads anything
        if existing.total and not marker.exists():
            # Never demo accounts bound to real people, nor printed secrets of a real client.
            raise Conflict(
                f"the database holds {existing.total} patients that `kangtong demo` did not "
                f"load (no {marker}); the demo runs only on a new database or its own"
            )
        if existing.total:
            console.print(
                f"Demo data already present ({existing.total} patients); not loaded again."
            )
        else:
            if not marker.exists():
                keep_credentials(marker, {})
            with tempfile.TemporaryDirectory() as out:
                generate_district(config, Path(out))
                work = Path(out) / "by-owner"
                work.mkdir()
                report = load_as_owners(platform, Path(out) / "fhir", work, district, console)
            print_report(report)
        cast = choose_cast(platform, district)
        if cast is None:
            console.print(
                "[red]The data holds no family-doctor contract to show; no demo people.[/red]"
            )
            raise typer.Exit(1)
        credentials = ensure_people(platform.security, cast, key_dir)
    finally:
        platform.close()
    console.print(
        "\n[bold]Try the demo[/bold] once `kangtong serve` runs (every API call needs a token; "
        f"passwords and secrets are kept in {key_dir / 'demo-credentials.json'}):",
        soft_wrap=True,
    )
    lines = demo_commands(
        cast, credentials, kangtong=kangtong_executable(), database_url=database_url,
        base_url=base_url,
    )  # fmt: skip
    for line in lines:
        print(line)  # plain print: a terminal never wraps or re-flows a command
