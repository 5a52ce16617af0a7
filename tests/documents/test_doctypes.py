"""The type table holds all 73 types, with WS/T 500's code/templateId rule for every part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kangtong.documents.doctypes import TABLE_ENV, DocumentTypes, document_types


def test_every_ws_t_500_part_has_its_code_and_template_id() -> None:
    types = [t for t in document_types().types if t.standard == "WS/T 500"]
    assert [t.part for t in types] == list(range(1, 54))
    for t in types:
        assert t.code == f"C{t.part:04d}"
        assert t.template_id == f"2.16.156.10011.2.1.1.{20 + t.part}"
        assert t.identity_confirmed


def test_ws_t_483_has_twenty_types_whose_identity_is_unconfirmed() -> None:
    types = [t for t in document_types().types if t.standard == "WS/T 483"]
    assert len(types) == 20
    assert not any(t.identity_confirmed for t in types)
    assert {"传染病报告", "预防接种报告", "高血压患者随访服务"} <= {t.name for t in types}


def test_lookup_by_code_and_by_template_agree() -> None:
    types = document_types()
    summary = types.by_code("C0053")
    assert summary is not None and summary.name == "出院小结"
    assert types.by_template("2.16.156.10011.2.1.1.73") == summary
    assert types.by_code("C0099") is None


def test_the_first_batch_types_carry_section_rules() -> None:
    for code in ("C0001", "C0002", "C0004", "C0006", "C0007", "C0032", "C0034", "C0049", "C0053"):
        found = document_types().by_code(code)
        assert found is not None and found.sections, code


def test_a_deployment_table_replaces_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {"types": [{"standard": "WS/T 483", "part": 10, "code": "B0010", "name": "传染病报告",
                        "templateId": "9.9.9", "identity": "configured"}]}  # fmt: skip
    path = tmp_path / "types.json"
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(TABLE_ENV, str(path))
    document_types.cache_clear()
    try:
        configured = document_types().by_code("B0010")
        assert configured is not None and configured.template_id == "9.9.9"
    finally:
        monkeypatch.delenv(TABLE_ENV)
        document_types.cache_clear()
    assert DocumentTypes.from_json(table).by_template("9.9.9") == configured
