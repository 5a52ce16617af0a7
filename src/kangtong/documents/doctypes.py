"""The 73 shared-document types (WS/T 500: 53, WS/T 483: 20) and what each must contain.

The facts live in one data table (`data/doctypes.json`), not one module per type: a type's
required sections and entries are rows, so a rule the standard states differently is a data
fix. A row or rule marked `unconfirmed` is known to belong to the standard but not confirmed
against its text; validation reports it as information only. The WS/T 483 codes and
templateIds are unconfirmed: a deployment names its own table with `KANGTONG_CDA_DOCTYPES`
(a row's `codeSystem` defaults to the shared-document type system 2.16.156.10011.2.4).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

TYPE_CODE_SYSTEM = "2.16.156.10011.2.4"
DE_CODE_SYSTEM = "2.16.156.10011.2.2.1"
TABLE_ENV = "KANGTONG_CDA_DOCTYPES"


@dataclass(frozen=True)
class RequiredPart:
    """A section (LOINC code) or an entry (WS 363 DE code) a type must contain."""

    code: str
    name: str
    confirmed: bool


@dataclass(frozen=True)
class DocumentType:
    standard: str
    part: int
    code: str | None
    code_system: str
    name: str
    template_id: str | None
    identity_confirmed: bool
    sections: tuple[RequiredPart, ...]
    entries: tuple[RequiredPart, ...]


@dataclass(frozen=True)
class DocumentTypes:
    """Lookup of the table by type code and by templateId."""

    types: tuple[DocumentType, ...]

    def by_code(self, code: str, code_system: str = TYPE_CODE_SYSTEM) -> DocumentType | None:
        return next(
            (t for t in self.types if t.code == code and t.code_system == code_system), None
        )

    def by_template(self, template_id: str) -> DocumentType | None:
        return next((t for t in self.types if t.template_id == template_id), None)

    @classmethod
    def from_json(cls, table: dict[str, Any]) -> DocumentTypes:
        return cls(tuple(_document_type(row) for row in table["types"]))


def _parts(rows: list[dict[str, Any]]) -> tuple[RequiredPart, ...]:
    return tuple(
        RequiredPart(str(r["code"]), str(r["name"]), r.get("status") == "standard") for r in rows
    )


def _document_type(row: dict[str, Any]) -> DocumentType:
    return DocumentType(
        standard=str(row["standard"]),
        part=int(row["part"]),
        code=row.get("code"),
        code_system=str(row.get("codeSystem") or TYPE_CODE_SYSTEM),
        name=str(row["name"]),
        template_id=row.get("templateId"),
        identity_confirmed=row.get("identity") == "confirmed",
        sections=_parts(row.get("sections", [])),
        entries=_parts(row.get("entries", [])),
    )


@cache
def document_types() -> DocumentTypes:
    """The shipped table, or the one `KANGTONG_CDA_DOCTYPES` names (same JSON shape)."""
    override = os.environ.get(TABLE_ENV)
    if override:
        text = Path(override).read_text(encoding="utf-8")
    else:
        text = (
            resources.files("kangtong.documents").joinpath("data/doctypes.json").read_text("utf-8")
        )
    return DocumentTypes.from_json(json.loads(text))
