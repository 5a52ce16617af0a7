"""`kangtong terminology install` and `kangtong terminology import KIND FILE`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import Database

runner = CliRunner()
ICD = "urn:oid:2.16.156.10011.2.3.3.11"


def icd10_version(settings: Settings, database: Database) -> tuple[int, int, str]:
    platform = build_platform(settings, database=database)
    stored = platform.service.read(AccessContext.system("test"), "CodeSystem", "icd10-cn")
    index = platform.terminology.code_system(AccessContext.system("test"), ICD)
    return stored.version, len(index), index.content


def test_install_is_safe_to_run_twice(database_url: str, database: Database) -> None:
    first = runner.invoke(app, ["terminology", "install", "--database-url", database_url])
    second = runner.invoke(app, ["terminology", "install", "--database-url", database_url])
    assert first.exit_code == 0 and "created" in first.stdout
    assert second.exit_code == 0 and "created" not in second.stdout


def test_import_reports_rejected_rows_and_reimport_is_a_new_version_only_when_changed(
    database_url: str, settings: Settings, database: Database, tmp_path: Path
) -> None:
    runner.invoke(app, ["terminology", "install", "--database-url", database_url])
    table = tmp_path / "icd10.csv"
    table.write_bytes(
        "编码,名称\nI10,原发性高血压\nI10.x00x002,高血压3级\nI1O,坏\n".encode("gb18030")
    )
    command = ["terminology", "import", "icd10", str(table), "--database-url", database_url]

    imported = runner.invoke(app, command)
    assert imported.exit_code == 0, imported.stdout
    assert "row 4" in imported.stdout and "2 accepted" in imported.stdout
    version, size, content = icd10_version(settings, database)
    assert (size, content) == (2, "complete")

    runner.invoke(app, command)
    assert icd10_version(settings, database)[0] == version  # same file: unchanged

    table.write_text("code,display\nI10,原发性高血压\nE11,2型糖尿病\n", encoding="utf-8")
    runner.invoke(app, command)
    assert icd10_version(settings, database)[0] == version + 1

    runner.invoke(app, ["terminology", "install", "--database-url", database_url])
    assert icd10_version(settings, database)[2] == "complete"  # the fragment never replaces it


def test_an_unknown_kind_is_refused(tmp_path: Path, database_url: str) -> None:
    table = tmp_path / "x.csv"
    table.write_text("code,display\n1,a\n", encoding="utf-8")
    result = runner.invoke(
        app, ["terminology", "import", "loinc", str(table), "--database-url", database_url]
    )
    assert result.exit_code == 2
