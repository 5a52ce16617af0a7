"""FHIR values as CDA R2 wants them: timestamps, sex codes, identifiers, quantities."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from kangtong.documents.assembly.record import Resource

CITIZEN_ID_ROOT = "2.16.156.10011.1.3"
SEX_SYSTEM = "2.16.156.10011.2.3.3.4"  # GB/T 2261.1
ICD10_SYSTEM = "2.16.156.10011.2.3.3.11"
LOINC = "2.16.840.1.113883.6.1"
UCUM = "http://unitsofmeasure.org"
SEX_NAMES = {"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"}
FHIR_GENDER_TO_SEX = {"male": "1", "female": "2", "unknown": "0", "other": "9"}
SEX_EXTENSION = "sex-gb2261"

_DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def cda_time(value: Any) -> str | None:
    """A FHIR date or dateTime as a CDA TS (`20240211133000+0800`); None when absent or odd."""
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    digits = "".join(part for part in (year, month, day, hour, minute) if part)
    if hour is not None:
        digits += second or "00"
        if zone == "Z":
            digits += "+0000"
        elif zone:
            digits += zone.replace(":", "")
    return digits


def oid_of(system: Any) -> str | None:
    """The OID of a `urn:oid:` system, else None."""
    if isinstance(system, str) and system.startswith("urn:oid:"):
        return system.removeprefix("urn:oid:")
    return None


def identifier(resource: Resource, root: str) -> str | None:
    """The value of the resource's identifier whose system is `root` or an OID below it."""
    for ident in resource.get("identifier", []):
        oid = oid_of(ident.get("system"))
        if oid is not None and (oid == root or oid.startswith(root + ".")) and ident.get("value"):
            return str(ident["value"])
    return None


def identifier_with_root(resource: Resource, root: str) -> tuple[str, str] | None:
    """(OID, value) of the first identifier under `root` (an institution's own sub-arc kept)."""
    for ident in resource.get("identifier", []):
        oid = oid_of(ident.get("system"))
        if oid is not None and (oid == root or oid.startswith(root + ".")) and ident.get("value"):
            return oid, str(ident["value"])
    return None


def name_text(resource: Resource | None) -> str:
    """The first name's text (or family + given), else the empty string."""
    if resource is None:
        return ""
    names = resource.get("name")
    if isinstance(names, str):
        return names
    for name in names or []:
        if name.get("text"):
            return str(name["text"])
        given = "".join(name.get("given", []))
        if name.get("family") or given:
            return f"{name.get('family', '')}{given}"
    return ""


def sex_code(patient: Resource) -> str:
    """The GB/T 2261.1 sex code: the patient's own GB/T coding, else mapped from `gender`."""
    for extension in patient.get("extension", []):
        if str(extension.get("url", "")).endswith(SEX_EXTENSION):
            for coding in extension.get("valueCodeableConcept", {}).get("coding", []):
                if coding.get("code") in SEX_NAMES:
                    return str(coding["code"])
    return FHIR_GENDER_TO_SEX.get(str(patient.get("gender", "")), "0")


def coding_in(concept: Any, system: str) -> dict[str, Any] | None:
    """The first coding of `concept` in `system` (an OID, or a URL)."""
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding", []):
        found = coding.get("system")
        if (found == system or oid_of(found) == system) and coding.get("code"):
            return dict(coding)
    return None


def concept_text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display"):
            return str(coding["display"])
    return ""


def number(value: Any) -> str:
    """A quantity's value as written in a PQ (no exponent, no trailing `.0`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return format(Decimal(str(value)), "f")
