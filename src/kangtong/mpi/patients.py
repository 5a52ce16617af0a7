"""来源登记 — reading a source FHIR `Patient` (one institution's registration) as identity fields.

The citizen ID is the GB 11643 identifier (urn:oid:2.16.156.10011.1.3); sex is the GB/T 2261.1
extension when present, else `gender`; the address is its text or its parts joined.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kangtong.core.canonical import canonical
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.identifier_flags import CITIZEN_ID, is_flagged
from kangtong.mpi.normalise.record import IdentityRecord

SEX_EXTENSION = canonical("StructureDefinition/sex-gb2261")
_GENDER_SEX = {"male": "1", "female": "2"}


def identity_of(patient: JsonObject) -> IdentityRecord:
    """The identity fields of a Patient; absent fields are empty strings. A citizen ID the
    platform flagged as failing GB 11643 is filed as flagged: never proof of identity."""
    citizen_id = _citizen_id(patient)
    return IdentityRecord(
        record_id=str(patient.get("id", "")),
        source=_source(patient),
        name=_name(patient),
        sex=_sex(patient),
        birth_date=str(patient.get("birthDate") or ""),
        id_number=citizen_id.get("value", "") if citizen_id else "",
        id_flagged=is_flagged(citizen_id),
        phone=next(
            (
                str(t.get("value", ""))
                for t in _dicts(patient.get("telecom"))
                if t.get("system") == "phone"
            ),
            "",
        ),
        address=_address(patient),
    )


def source_identifiers(resource: JsonObject) -> Iterator[tuple[str, str]]:
    """(system, value) of every identifier that has both."""
    for identifier in _dicts(resource.get("identifier")):
        system, value = identifier.get("system"), identifier.get("value")
        if isinstance(system, str) and isinstance(value, str) and system and value:
            yield system, value


def _citizen_id(patient: JsonObject) -> dict[str, Any] | None:
    """The first citizen ID identifier with a value."""
    return next(
        (
            i
            for i in _dicts(patient.get("identifier"))
            if i.get("system") == CITIZEN_ID and isinstance(i.get("value"), str) and i["value"]
        ),
        None,
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value or [] if isinstance(v, dict)]


def _source(patient: JsonObject) -> str:
    organization = patient.get("managingOrganization") or {}
    return str(organization.get("reference", "")) if isinstance(organization, dict) else ""


def _name(patient: JsonObject) -> str:
    names = _dicts(patient.get("name"))
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    if chosen.get("text"):
        return str(chosen["text"])
    given = "".join(str(g) for g in chosen.get("given") or [])
    return str(chosen.get("family") or "") + given


def _sex(patient: JsonObject) -> str:
    for extension in _dicts(patient.get("extension")):
        if extension.get("url") == SEX_EXTENSION:
            for coding in _dicts((extension.get("valueCodeableConcept") or {}).get("coding")):
                if coding.get("code"):
                    return str(coding["code"])
    return _GENDER_SEX.get(str(patient.get("gender") or ""), "")


def _address(patient: JsonObject) -> str:
    addresses = _dicts(patient.get("address"))
    if not addresses:
        return ""
    first = addresses[0]
    if first.get("text"):
        return str(first["text"])
    parts = [
        first.get("state"),
        first.get("city"),
        first.get("district"),
        *(first.get("line") or []),
    ]
    return "".join(str(p) for p in parts if p)
