"""FHIR data of one Encounter → a CDA R2 document (UTF-8 bytes), by a versioned template.

The header follows the WS/T 500 rules (realmCode CN, typeId POCD_HD000040, templateId of the
type, document id under the platform's OID, C00nn code, TS times with zone, GB/T 2261.1 sex,
citizen ID and record number, author, custodian, encompassing encounter); the sections are the
template's, each with a narrative and coded entries.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from kangtong.core.errors import Unprocessable
from kangtong.documents.assembly import content
from kangtong.documents.assembly.catalogue import DocumentTemplate, template_for
from kangtong.documents.assembly.record import EncounterRecord
from kangtong.documents.assembly.values import (
    CITIZEN_ID_ROOT,
    cda_time,
    identifier_with_root,
    name_text,
    oid_of,
)

# Characters XML 1.0 forbids even as character references. FHIR strings may carry some of them
# (U+FFFE and U+FFFF pass FHIR's string rule): each is written as U+FFFD, so the document stays XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A `2.25` OID (from a fixed UUID), the default of the `document_oid` setting.
DEFAULT_DOCUMENT_ROOT = "2.25.170125373232185626733913414302127398218"
OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


@dataclass(frozen=True)
class AssemblyOptions:
    """Where document ids come from (the platform's OID, a fresh UUID per document), and how
    sensitive data is recognised (the platform's classifier; labels alone without one)."""

    document_root: str = DEFAULT_DOCUMENT_ROOT
    new_id: Callable[[EncounterRecord, DocumentTemplate], str] = field(
        default=lambda record, template: str(uuid.uuid4())
    )
    classify: content.Classifier | None = None  # sensitivity by meaning, for confidentiality R


def stable_id(record: EncounterRecord, template: DocumentTemplate) -> str:
    """The same id for the same encounter and template: synthetic output stays reproducible."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kangtong:{record.encounter_id}:{template.key}"))


class MissingDocumentData(Unprocessable):
    """The record lacks what every document must carry (patient identity, time)."""


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kangtong.documents.assembly", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        finalize=_xml_chars,
    )
    env.globals["system"] = _code_system_attributes
    return env


def _xml_chars(value: Any) -> Any:
    """Every value a template writes, with the characters XML cannot hold replaced."""
    if isinstance(value, Markup):
        return Markup(_NOT_XML.sub("\ufffd", value))
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    return value


def _code_system_attributes(system: str) -> Markup:
    """`codeSystem="OID"`, or only a `codeSystemName` for a system that has no OID."""
    if OID.match(system):
        return Markup('codeSystem="{}"').format(system)
    return Markup('codeSystemName="{}"').format(escape(system))


def assemble(
    record: EncounterRecord,
    type_code: str,
    options: AssemblyOptions | None = None,
    version: int | None = None,
) -> bytes:
    """The CDA document of `type_code` for the record, as UTF-8 bytes."""
    options = options or AssemblyOptions()
    template = template_for(type_code, version)
    context = _context(record, template, options)
    text = _environment().get_template(template.file).render(**context)
    return text.encode("utf-8")


def _context(
    record: EncounterRecord, template: DocumentTemplate, options: AssemblyOptions
) -> dict[str, Any]:
    encounter = record.encounter
    period = encounter.get("period") or {}
    start = cda_time(period.get("start"))
    end = cda_time(period.get("end"))
    time = end or start
    patient_ids = content.patient_ids(template, record)
    if time is None or not patient_ids:
        raise MissingDocumentData(
            f"Encounter/{record.encounter_id} has no period or its patient no identifier"
        )
    sex_code, sex_name = content.sex(record)
    set_id = options.new_id(record, template)
    return {
        "t": template,
        "doc": {
            "root": options.document_root,
            "extension": set_id,
            "set_id": set_id,
            "version": 1,
            "time": time,
            "confidentiality": content.confidentiality(record, options.classify),
        },
        "patient": {
            "ids": patient_ids,
            "name": name_text(record.patient),
            "sex_code": sex_code,
            "sex_name": sex_name,
            "birth": cda_time(record.patient.get("birthDate")),
        },
        "author": _author(record, options),
        "custodian": _custodian(record, options),
        "encounter": {
            "id": record.encounter_id,
            "class_code": str((encounter.get("class") or {}).get("code", "AMB")),
            "start": start,
            "end": end,
        },
        "sections": content.sections(template, record),
    }


def _author(record: EncounterRecord, options: AssemblyOptions) -> dict[str, str]:
    """The author's OID identifier when there is one, else the Practitioner id under the platform."""
    author = record.author or {}
    for ident in author.get("identifier", []):
        oid = oid_of(ident.get("system"))
        if oid and oid != CITIZEN_ID_ROOT and ident.get("value"):  # never the author's own ID
            return {"root": oid, "extension": str(ident["value"]), "name": name_text(author)}
    return {
        "root": f"{options.document_root}.2",
        "extension": str(author.get("id", "unknown")),
        "name": name_text(author) or "未知",
    }


def _custodian(record: EncounterRecord, options: AssemblyOptions) -> dict[str, str]:
    """The institution by its unified social credit code, else its id under the platform."""
    custodian = record.custodian or {}
    found = identifier_with_root(custodian, content.ORGANIZATION_ROOT)
    root, extension = found or (f"{options.document_root}.3", str(custodian.get("id", "unknown")))
    return {"root": root, "extension": extension, "name": str(custodian.get("name") or "未知")}
