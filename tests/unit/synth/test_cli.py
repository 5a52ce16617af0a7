"""`kangtong synth` writes the district and prints a summary."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from kangtong.cli.synth import register


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command keeps typer from flattening `synth`
        pass

    return app


def test_synth_command_writes_the_requested_formats(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        make_app(),
        [
            "synth",
            "--people",
            "60",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--formats",
            "fhir,csv",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "residents" in result.output and "FHIR resources" in result.output
    assert (tmp_path / "fhir" / "Patient.ndjson").exists()
    assert (tmp_path / "csv" / "truth.csv").exists()
    assert not (tmp_path / "hl7v2").exists()


def test_unknown_formats_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        make_app(), ["synth", "--people", "5", "--out", str(tmp_path), "--formats", "fhir,xml"]
    )
    assert result.exit_code != 0
