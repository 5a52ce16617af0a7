"""Importing national code lists: encodings, XLSX, row validation, hierarchy inference."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from kangtong.terminology.concepts import CodeSystemContent
from kangtong.terminology.importers.kinds import KINDS, tcm_category
from kangtong.terminology.importers.run import ImportReport, code_systems, parse_rows
from kangtong.terminology.importers.sources import read_rows

ICD_CSV = "编码,名称\nI10,原发性高血压\nI10.x00x002,高血压3级\nbad code,坏\nI10,重复\nE11.9,\n"


def parsed(kind: str, path: Path) -> tuple[ImportReport, list[CodeSystemContent]]:
    report = ImportReport(kind, path.name)
    candidates = parse_rows(KINDS[kind], read_rows(path), report, None)
    systems = code_systems(KINDS[kind], candidates, report, version=None, content="complete")
    return report, list(systems)


def test_gb18030_csv_with_chinese_headings_is_read(tmp_path: Path) -> None:
    path = tmp_path / "icd.csv"
    path.write_bytes(ICD_CSV.encode("gb18030"))
    _report, (system,) = parsed("icd10", path)
    assert [c.code for c in system.concepts] == ["I10", "I10.x00x002"]


def test_rejected_rows_are_reported_with_their_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "icd.csv"
    path.write_text(ICD_CSV, encoding="utf-8-sig")
    report, _ = parsed("icd10", path)
    assert [(r.row, r.reason.split(" ")[0]) for r in report.rejections] == [
        (4, "'bad"),
        (5, "duplicate"),
        (6, "code"),
    ]


def test_icd10_extension_codes_hang_under_their_category(tmp_path: Path) -> None:
    path = tmp_path / "icd.csv"
    path.write_text(ICD_CSV, encoding="utf-8")
    _, (system,) = parsed("icd10", path)
    assert system.concepts[1].parents == ("I10",)


def test_xlsx_is_read_from_its_first_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "parent"])
    sheet.append(["520000", "贵州省", None])
    sheet.append(["520100", "贵阳市", None])
    sheet.append(["520103", "云岩区", None])
    book.save(tmp_path / "areas.xlsx")
    report, (system,) = parsed("gb2260", tmp_path / "areas.xlsx")
    assert report.rejections == []
    assert [c.parents for c in system.concepts] == [(), ("520000",), ("520100",)]


def test_a_stated_parent_missing_from_the_file_rejects_the_row(tmp_path: Path) -> None:
    path = tmp_path / "areas.csv"
    path.write_text("code,name,parent\n520103,云岩区,529900\n", encoding="utf-8")
    report, systems = parsed("gb2260", path)
    assert report.rejections[0].row == 2 and systems == []


def test_ws364_rows_group_into_one_code_system_per_value_domain(tmp_path: Path) -> None:
    path = tmp_path / "ws364.csv"
    path.write_text(
        "值域代码,值域名称,值,值含义\nCV04.50.005,ABO血型代码,1,A型\nCV04.50.020,Rh血型代码,1,阴性\nCV9,坏,1,x\n",
        encoding="utf-8",
    )
    report, systems = parsed("ws364", path)
    assert sorted(s.id for s in systems) == ["ws364-cv04-50-005", "ws364-cv04-50-020"]
    assert report.rejections[0].row == 4


def test_tcm_category_reads_both_editions_codes() -> None:
    assert tcm_category("B04.04.01.", "") == "syndrome"  # 2021: B… 证候
    assert tcm_category("BNF010", "") == "disease"  # 1995: B… 病
    assert tcm_category("ZYY010", "") == "syndrome"


CATEGORY = st.from_regex(r"[A-Z][0-9]{2}", fullmatch=True)


@given(CATEGORY, st.from_regex(r"[0-9]{1,2}(x[0-9]{3})?", fullmatch=True))
def test_an_icd10_code_hangs_under_the_longest_shorter_code_present(
    category: str, tail: str
) -> None:
    code = f"{category}.{tail}"
    infer = KINDS["icd10"].infer_parent
    assert infer(code, {category, code}) == category
    assert infer(code, {code}) is None
    assert KINDS["icd10"].check_code(code) is None
