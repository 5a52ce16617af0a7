"""The document templates: one per type and version, described in `templates/catalogue.json`.

The JSON says which header codes a type carries and which FHIR data feeds which section; the
Jinja2 file of the same entry lays the XML out. A new type or version is a new entry and file,
not new code (ADR 0032).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from kangtong.core.errors import Invalid

FEEDS = frozenset(
    {
        "diagnoses",
        "notifiable",
        "vitals",
        "labs",
        "medications",
        "procedures",
        "immunizations",
        "discharge",
        "reason",
        "not-recorded",
    }
)


@dataclass(frozen=True)
class SectionSpec:
    feed: str  # which data fills it (see FEEDS)
    loinc: str
    title: str
    required: bool  # kept with narrative 无 when there is no data


@dataclass(frozen=True)
class DocumentTemplate:
    type_code: str
    version: int
    file: str
    standard: str
    title: str
    code: str
    code_system: str
    code_system_name: str
    template_id: str
    applies_to: str
    mrn_root: str | None  # record-number root of the patient id shown (门诊号 / 住院号)
    sections: tuple[SectionSpec, ...]
    unconfirmed: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.type_code}-{self.version}"


class UnknownDocumentType(Invalid):
    """No template is known for the asked type (or version)."""


@cache
def templates() -> tuple[DocumentTemplate, ...]:
    """Every template of the catalogue, in catalogue order."""
    text = resources.files(__package__).joinpath("templates/catalogue.json").read_text("utf-8")
    return tuple(_template(entry) for entry in json.loads(text)["templates"])


def _template(entry: dict[str, Any]) -> DocumentTemplate:
    sections = tuple(SectionSpec(**section) for section in entry["sections"])
    unknown = {s.feed for s in sections} - FEEDS
    if unknown:
        raise ValueError(f"template {entry['type']}: unknown feeds {sorted(unknown)}")
    fields = {k: v for k, v in entry.items() if k not in ("type", "sections", "unconfirmed")}
    return DocumentTemplate(
        type_code=entry["type"],
        sections=sections,
        unconfirmed=tuple(entry.get("unconfirmed", ())),
        **fields,
    )


def type_codes() -> list[str]:
    """The document types that can be assembled."""
    return list(dict.fromkeys(t.type_code for t in templates()))


def template_for(type_code: str, version: int | None = None) -> DocumentTemplate:
    """The template of `type_code`: the given version, or the newest."""
    matching = [t for t in templates() if t.type_code == type_code.strip().upper()]
    if version is not None:
        matching = [t for t in matching if t.version == version]
    if not matching:
        known = ", ".join(type_codes())
        raise UnknownDocumentType(f"no document template for type {type_code!r}; known: {known}")
    return max(matching, key=lambda t: t.version)
