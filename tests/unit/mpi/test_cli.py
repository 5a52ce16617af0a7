"""The batch contract of `kangtong mpi link INPUT --out OUTPUT`."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from kangtong.cli.main import app

HEADER = "record_id,source,name,sex,birth_date,id_number,phone,address"
ROWS = [
    "r1,H1,张伟,1,1980-01-01,110105198001010032,13800138000,北京市朝阳区建国路88号1栋1单元101室",
    "r2,H2,張偉,1,1980-01-01,110105800101003,+86 138 0013 8000,朝阳区建国路88号1-1-101",
    "r3,H3,Zhang Wei,,,,,",
    "r4,,,,,,,",
    "r5,H1,李娜,2,1992-07-15,,15900001111,",
]


def run(
    tmp_path: Path, text: str, encoding: str = "utf-8"
) -> tuple[int, list[dict[str, str]], str]:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding=encoding)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["mpi", "link", str(source), "--out", str(out)])
    rows = list(csv.DictReader(out.open(encoding="utf-8"))) if out.exists() else []
    return result.exit_code, rows, result.output


def test_output_has_the_header_and_every_input_row_in_order(tmp_path: Path) -> None:
    code, rows, output = run(tmp_path, "\n".join([HEADER, *ROWS]) + "\n")
    assert code == 0, output
    assert list(rows[0]) == ["record_id", "person_id"]
    assert [r["record_id"] for r in rows] == ["r1", "r2", "r3", "r4", "r5"]
    assert all(r["person_id"] for r in rows)
    person = {r["record_id"]: r["person_id"] for r in rows}
    assert person["r1"] == person["r2"]  # traditional name, 15-digit ID, +86 phone
    assert person["r5"] != person["r1"]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    code, rows, output = run(tmp_path, "\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8-sig")
    assert code == 0, output
    assert [r["record_id"] for r in rows] == ["r1", "r2", "r3", "r4", "r5"]


def test_a_file_without_record_id_is_refused(tmp_path: Path) -> None:
    code, rows, _ = run(tmp_path, "name,sex\n张伟,1\n")
    assert code == 2 and rows == []


def test_header_only_gives_header_only(tmp_path: Path) -> None:
    code, rows, output = run(tmp_path, HEADER + "\n")
    assert code == 0, output
    assert rows == [] and (tmp_path / "out.csv").read_text(encoding="utf-8").startswith(
        "record_id,person_id"
    )


def test_a_small_file_links_only_on_exact_citizen_ids_and_lists_the_rest_for_review(
    tmp_path: Path,
) -> None:
    rows = [*ROWS, "r6,H4,张伟,1,1980-01-01,,13800138000,北京市朝阳区建国路88号1栋1单元101室"]
    review = tmp_path / "review.csv"
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["mpi", "link", str(source), "--out", str(out), "--review", str(review)]
    )
    assert result.exit_code == 0, result.output
    person = {r["record_id"]: r["person_id"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert person["r1"] == person["r2"]  # one valid citizen ID (18 and 15 digits)
    assert person["r6"] != person["r1"]  # no ID: six records are too few to trust a model
    queued = {
        frozenset((r["record_id_a"], r["record_id_b"])) for r in csv.DictReader(review.open())
    }
    assert frozenset(("r1", "r6")) in queued or frozenset(("r2", "r6")) in queued
