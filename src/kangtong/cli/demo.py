"""`kangtong demo`: load a small synthetic demo region into an empty database (first start)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.cli.load import load_paths, print_report

console = Console()


def demo(
    database_url: str | None = DatabaseOption,
    people: int = typer.Option(200, help="Residents in the demo region"),
    seed: int = typer.Option(20261123, help="Seed of the synthetic region"),
) -> None:
    """Load the synthetic demo region unless the database already holds patients."""
    from kangtong.fhir.access import AccessContext  # loaded by the command, not by `--help`
    from kangtong.platform import build_platform
    from kangtong.synth.config import SynthConfig
    from kangtong.synth.generate import generate_district

    platform = build_platform(settings_for(database_url))
    try:
        existing = platform.service.search(
            AccessContext.system("demo"), "Patient", [("_count", "1")]
        )
        if existing.total:
            console.print(f"Demo data already present ({existing.total} patients); nothing to do.")
        else:
            with tempfile.TemporaryDirectory() as out:
                config = SynthConfig(people=people, seed=seed, formats=("fhir",))
                generate_district(config, Path(out))
                report = load_paths(platform, [Path(out) / "fhir"])
            print_report(report)
        print_login_help(platform.settings.default_district, database_url)
    finally:
        platform.close()


def print_login_help(district: str, database_url: str | None) -> None:
    """The API needs a bearer token: say how to get one for the demo region.

    Demo data is loaded by the platform itself (no owning organisation); a district's
    public-health officer sees it when KANGTONG_DEFAULT_DISTRICT was set, else the
    platform's own token does.
    """
    db = f" --database-url {database_url}" if database_url else ""
    role = f"public-health-officer --district {district}" if district else "system"
    console.print(
        "\n[bold]Log in[/bold] — every API call needs an access token (15 minutes):\n"
        f"  TOKEN=$(kangtong auth issue-token --role {role} --subject demo{db})\n"
        '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/fhir/Patient\n'
        "Other roles: --role clinician --org ORG_ID (an organisation's own records and the "
        "patients it treats), --role platform-admin (directories only). See docs/security.md."
    )
