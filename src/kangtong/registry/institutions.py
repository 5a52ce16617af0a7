"""Institutions (医疗卫生机构) as FHIR Organization, and back.

An institution is an Organization with its USCC (`identifier`, system 2.16.156.10011.1.2), its
type (`type`: kangtong institution-type + the HL7 organization-type prov/govt), its hospital
level (`type`: hospital-level, e.g. 3A = 三级甲等), its parent (`partOf`), an address whose
district carries its GB/T 2260 code (extension gb2260-district), a phone and a contact person.
`apply_institution` writes only those elements, so anything else a source sent is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kangtong.core.jsonutil import JsonObject
from kangtong.registry import systems

MANAGED_TYPE_SYSTEMS = frozenset(
    {systems.INSTITUTION_TYPE, systems.HOSPITAL_LEVEL, systems.HL7_ORGANIZATION_TYPE}
)


@dataclass(frozen=True)
class Institution:
    """What the registry knows of an institution; `id` is None until it is registered."""

    name: str
    uscc: str | None = None
    institution_type: str | None = None  # code in INSTITUTION_TYPES
    level: str | None = None  # code in HOSPITAL_LEVELS
    parent_id: str | None = None
    address: str | None = None
    district: str | None = None  # name, e.g. 云岩区
    district_code: str | None = None  # GB/T 2260, e.g. 520103
    phone: str | None = None
    contact: str | None = None
    aliases: tuple[str, ...] = ()
    active: bool = True
    id: str | None = None


def _concept(system: str, code: str, display: str) -> JsonObject:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _types(institution: Institution) -> list[JsonObject]:
    found: list[JsonObject] = []
    kind = institution.institution_type
    if kind is not None:
        broad = "govt" if kind in systems.GOVERNMENT_TYPES else "prov"
        found.append(_concept(systems.HL7_ORGANIZATION_TYPE, broad, broad))
        found.append(_concept(systems.INSTITUTION_TYPE, kind, systems.INSTITUTION_TYPES[kind]))
    if institution.level is not None:
        display = systems.HOSPITAL_LEVELS[institution.level]
        found.append(_concept(systems.HOSPITAL_LEVEL, institution.level, display))
    return found


def _address(institution: Institution) -> JsonObject:
    address: JsonObject = {"use": "work"}
    if institution.district_code:
        address["extension"] = [
            {"url": systems.DISTRICT_CODE_EXTENSION, "valueCode": institution.district_code}
        ]
    if institution.address:
        address["text"] = institution.address
    if institution.district:
        address["district"] = institution.district
    return address


def apply_institution(resource: JsonObject, institution: Institution) -> JsonObject:
    """`resource` (an Organization, possibly empty) with the registry's elements set."""
    result: JsonObject = {**resource, "resourceType": "Organization", "active": institution.active}
    others = [
        i
        for i in resource.get("identifier") or []
        if not (isinstance(i, dict) and i.get("system") == systems.USCC)
    ]
    if institution.uscc:
        others.insert(0, {"use": "official", "system": systems.USCC, "value": institution.uscc})
    _set(result, "identifier", others)
    kept_types = [t for t in resource.get("type") or [] if not _managed_type(t)]
    _set(result, "type", _types(institution) + kept_types)
    result["name"] = institution.name
    _set(result, "alias", list(institution.aliases))
    phone = [{"system": "phone", "value": institution.phone, "use": "work"}]
    _set(result, "telecom", phone if institution.phone else [])
    has_address = institution.address or institution.district or institution.district_code
    _set(result, "address", [_address(institution)] if has_address else [])
    parent = {"reference": f"Organization/{institution.parent_id}"}
    _set(result, "partOf", parent if institution.parent_id else None)
    contact = [{"name": {"text": institution.contact}}]
    _set(result, "contact", contact if institution.contact else [])
    return result


def _managed_type(concept: Any) -> bool:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(c.get("system") in MANAGED_TYPE_SYSTEMS for c in codings or [])


def _set(resource: JsonObject, key: str, value: Any) -> None:
    """Set an element, or drop it when empty (FHIR forbids empty arrays and objects)."""
    if value:
        resource[key] = value
    else:
        resource.pop(key, None)


def institution_of(resource: JsonObject) -> Institution:
    """Read an Organization, including the shapes the synthetic district writes."""
    codes = {
        c.get("system"): c.get("code")
        for t in resource.get("type") or []
        for c in t.get("coding") or []
    }
    kind = codes.get(systems.INSTITUTION_TYPE) or systems.SYNTH_TYPES.get(
        str(codes.get(systems.SYNTH_FACILITY_TYPE))
    )
    address = (resource.get("address") or [{}])[0]
    district_code = next(
        (
            e.get("valueCode")
            for e in address.get("extension") or []
            if e.get("url") == systems.DISTRICT_CODE_EXTENSION
        ),
        None,
    )
    return Institution(
        name=str(resource.get("name", "")),
        uscc=next(
            (
                i.get("value")
                for i in resource.get("identifier") or []
                if i.get("system") == systems.USCC
            ),
            None,
        ),
        institution_type=kind,
        level=codes.get(systems.HOSPITAL_LEVEL) or _synth_level(resource),
        parent_id=_referenced_id(resource.get("partOf")),
        address=address.get("text") or "".join(address.get("line") or []) or None,
        district=address.get("district"),
        district_code=district_code,
        phone=next(
            (t.get("value") for t in resource.get("telecom") or [] if t.get("system") == "phone"),
            None,
        ),
        contact=next((c.get("name", {}).get("text") for c in resource.get("contact") or []), None),
        aliases=tuple(resource.get("alias") or ()),
        active=resource.get("active", True) is not False,
        id=resource.get("id"),
    )


def _synth_level(resource: JsonObject) -> str | None:
    for extension in resource.get("extension") or []:
        if extension.get("url") == systems.SYNTH_GRADE_EXTENSION:
            try:
                return systems.level_code(str(extension.get("valueString")))
            except ValueError:
                return None
    return None


def _referenced_id(reference: Any) -> str | None:
    if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
        return None
    return str(reference["reference"]).rpartition("/")[2]
