"""`kangtong demo`: load a small synthetic demo region into an empty database (first start)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.console import Console

from kangtong.cli.common import DatabaseOption, settings_for
from kangtong.cli.load import load_paths, print_report
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.synth.config import SynthConfig
from kangtong.synth.generate import generate_district

console = Console()


def demo(
    database_url: str | None = DatabaseOption,
    people: int = typer.Option(200, help="Residents in the demo region"),
    seed: int = typer.Option(20261123, help="Seed of the synthetic region"),
) -> None:
    """Load the synthetic demo region unless the database already holds patients."""
    platform = build_platform(settings_for(database_url))
    try:
        existing = platform.service.search(
            AccessContext.system("demo"), "Patient", [("_count", "1")]
        )
        if existing.total:
            console.print(f"Demo data already present ({existing.total} patients); nothing to do.")
            return
        with tempfile.TemporaryDirectory() as out:
            generate_district(SynthConfig(people=people, seed=seed, formats=("fhir",)), Path(out))
            report = load_paths(platform, [Path(out) / "fhir"])
        print_report(report)
    finally:
        platform.close()
