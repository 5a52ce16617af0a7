"""`kangtong cda validate FILE...`: findings per file; exit 0 only when every file is valid."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kangtong.cli.main import app

runner = CliRunner()
VALID = Path(__file__).resolve().parents[2] / "documents" / "corpus" / "valid"
OUTPATIENT = VALID / "c0002-outpatient.xml"


def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.xml"
    text = OUTPATIENT.read_text(encoding="utf-8").replace('<realmCode code="CN"/>', "")
    path.write_text(text.replace("MZ20250311001", "000000000000"), encoding="utf-8")
    return path


def test_valid_files_exit_0() -> None:
    files = sorted(VALID.glob("*.xml"))
    result = runner.invoke(app, ["cda", "validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": 有效 valid (") == len(files)


def test_one_invalid_file_makes_the_exit_status_1_and_lists_its_findings(tmp_path: Path) -> None:
    bad = broken(tmp_path)
    result = runner.invoke(app, ["cda", "validate", str(OUTPATIENT), str(bad)])
    assert result.exit_code == 1
    realm = next(line for line in result.output.splitlines() if "CDA-H-REALM" in line)
    assert realm.strip().startswith(f"{bad}:") and "error" in realm and "realmCode" in realm
    placeholder = next(line for line in result.output.splitlines() if "CDA-P-PLACEHOLDER" in line)
    assert "warning" in placeholder and "占位值" in placeholder


def test_json_output_is_the_documented_machine_format(tmp_path: Path) -> None:
    bad = broken(tmp_path)
    result = runner.invoke(app, ["cda", "validate", "--json", str(OUTPATIENT), str(bad)])
    assert result.exit_code == 1
    shown = json.loads(result.output)
    assert (shown["format"], shown["valid"]) == (1, False)
    first, second = shown["files"]
    assert (first["valid"], first["findings"]) == (True, [])
    assert (second["valid"], second["errors"], second["warnings"]) == (False, 1, 1)
    assert set(second["findings"][0]) == {"rule", "severity", "layer", "xpath", "line", "message"}
    assert {f["rule"] for f in second["findings"]} == {"CDA-H-REALM", "CDA-P-PLACEHOLDER"}


def test_a_refused_file_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    attack = tmp_path / "xxe.xml"
    attack.write_bytes(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    result = runner.invoke(app, ["cda", "validate", "--json", str(attack)])
    assert result.exit_code == 1
    assert json.loads(result.output)["files"][0]["findings"][0]["rule"] == "XML-DOCTYPE"
    assert "root:" not in result.output


def test_codes_can_be_checked_against_the_platforms_terminology(tmp_path: Path) -> None:
    """With --terminology the stored GB/T 2261.1 list judges the sex code."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    assert runner.invoke(app, ["terminology", "install", "--database-url", url]).exit_code == 0
    odd = tmp_path / "odd-sex.xml"
    text = OUTPATIENT.read_text(encoding="utf-8")
    odd.write_text(
        text.replace('<administrativeGenderCode code="1"', '<administrativeGenderCode code="7"'),
        encoding="utf-8",
    )
    args = ["cda", "validate", "--json", "--terminology", "--database-url", url]
    result = runner.invoke(app, [*args, str(odd), str(OUTPATIENT)])
    assert result.exit_code == 0, result.output  # a code outside its domain is a warning
    odd_file, fine_file = json.loads(result.output)["files"]
    assert [f["rule"] for f in odd_file["findings"]] == ["CDA-C-CODE"]
    assert fine_file["findings"] == []


def test_an_endless_file_is_refused_by_its_size_not_read_whole() -> None:
    result = runner.invoke(app, ["cda", "validate", "/dev/zero"])
    assert result.exit_code == 1
    assert "XML-SIZE" in result.output


def test_a_file_that_cannot_be_read_is_one_line_and_exit_1() -> None:
    result = runner.invoke(app, ["cda", "validate", "/proc/self/mem"])  # reading offset 0: EIO
    assert result.exit_code == 1
    assert result.output.strip().startswith("kangtong: cannot read /proc/self/mem")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
