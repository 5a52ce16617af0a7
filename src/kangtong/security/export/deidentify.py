"""De-identification of one FHIR resource (去标识化, after GB/T 37964 techniques).

What leaves an export, whatever the resource type:
- ids and references of records about people → pseudonyms (`Type/<pseudonym>`); references to
  institutions, places and terminology stay (they are not personal);
- identifier values → pseudonyms (the system stays, so "has a citizen ID" is still visible);
- names of people (HumanName), telecom, photos, contacts, narrative, notes, comments and other
  free text → removed; reference `display` (often a person's name) → removed;
- birth date → year (or 5-year band); every other date and time → year-month;
- addresses → province, city and district (and the GB/T 2260 district code) only;
- `meta` and extensions (except the district code) → removed: they may carry anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from kangtong.core.canonical import canonical
from kangtong.core.jsonutil import JsonObject
from kangtong.security.export.pseudonyms import Pseudonymiser

BirthGeneralisation = Literal["year", "band5"]
DISTRICT_CODE_EXTENSION = canonical("StructureDefinition/gb2260-district")
GENERALISED_EXTENSION = canonical("StructureDefinition/generalised-range")
# Records of these types name no person: their ids and references are kept.
NOT_PERSONAL = frozenset(
    {"Organization", "Location", "HealthcareService", "Endpoint", "Medication", "Substance",
     "CodeSystem", "ValueSet", "ConceptMap", "NamingSystem", "StructureDefinition",
     "Questionnaire", "SearchParameter", "ActivityDefinition", "PlanDefinition"}
)  # fmt: skip
REMOVED = frozenset(
    {"meta", "implicitRules", "telecom", "photo", "contact", "note", "comment", "valueString",
     "description", "conclusion", "presentedForm", "patientInstruction", "modifierExtension",
     "communication", "link", "generalPractitioner", "assigner"}
)  # fmt: skip
ADDRESS_KEPT = ("use", "type", "state", "city", "district", "country")
_DATE = re.compile(r"^(\d{4})(-(\d{2}))?(-\d{2}([T ].*)?)?$")


def generalise_date(value: str) -> str:
    """A date, dateTime or instant → its year-month (a bare year stays a year)."""
    match = _DATE.match(value)
    if match is None:
        return value
    return match.group(1) + (match.group(2) or "")


def _is_human_name(value: Any) -> bool:
    names = value if isinstance(value, list) else [value]
    return any(
        isinstance(n, dict) and ({"family", "given", "prefix", "suffix"} & n.keys()) for n in names
    ) or any(isinstance(n, dict) and "text" in n and "use" in n for n in names)


class Deidentifier:
    """Applies the rules in the module docstring; one instance per export."""

    def __init__(self, pseudonyms: Pseudonymiser, birth: BirthGeneralisation = "year") -> None:
        self._pseudonyms = pseudonyms
        self._birth = birth

    def resource(self, resource: JsonObject) -> JsonObject:
        res_type = str(resource.get("resourceType", ""))
        out = self._object(resource)
        if "id" in resource:
            out["id"] = self.resource_id(res_type, str(resource["id"]))
        band = self.birth_band(resource.get("birthDate"))
        if self._birth == "band5" and band is not None:
            out["_birthDate"] = {"extension": [{"url": GENERALISED_EXTENSION, "valueString": band}]}
        return out

    def resource_id(self, res_type: str, res_id: str) -> str:
        if res_type in NOT_PERSONAL:
            return res_id
        return self._pseudonyms.pseudonym("id", f"{res_type}/{res_id}")

    def reference(self, reference: str) -> str:
        parts = reference.split("/")
        if len(parts) < 2 or reference.startswith(("#", "urn:")):
            return reference
        res_type, res_id = parts[-2], parts[-1]
        return f"{res_type}/{self.resource_id(res_type, res_id)}"

    def _object(self, value: JsonObject) -> JsonObject:
        out: JsonObject = {}
        for key, item in value.items():
            handler = self._handlers().get(key)
            if handler is not None:
                handled = handler(item, value)
                if handled is not None:
                    out[key] = handled
            elif key in REMOVED or key.startswith("_") or (key == "name" and _is_human_name(item)):
                continue
            else:
                out[key] = self._value(item)
        return out

    def _handlers(self) -> dict[str, Callable[[Any, JsonObject], Any]]:
        return {
            "id": lambda _item, _parent: None,  # element ids; the resource id is set apart
            "reference": lambda item, _parent: self.reference(str(item)),
            "display": lambda item, parent: None if "reference" in parent else item,
            "text": lambda item, parent: item if "coding" in parent else None,
            "identifier": lambda item, _parent: self._identifiers(item),
            "birthDate": lambda item, _parent: self._birth_date(str(item)),
            "address": lambda item, _parent: self._addresses(item),
            "extension": lambda item, _parent: self._extensions(item),
        }

    def _value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list):
            return [self._value(v) for v in value]
        if isinstance(value, str):
            return generalise_date(value)
        return value

    def _identifiers(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._identifier(v) for v in value if isinstance(v, dict)]
        return self._identifier(value) if isinstance(value, dict) else None

    def _identifier(self, identifier: JsonObject) -> JsonObject:
        system = str(identifier.get("system", ""))
        out: JsonObject = {"system": system} if system else {}
        if "type" in identifier:
            out["type"] = self._value(identifier["type"])
        if "value" in identifier:
            out["value"] = self._pseudonyms.pseudonym(
                "identifier", f"{system}|{identifier['value']}"
            )
        return out

    def _birth_date(self, value: str) -> str:
        year = value[:4]
        if self._birth == "band5" and year.isdigit():
            return str(int(year) - int(year) % 5)
        return year

    def _addresses(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._address(a) for a in value if isinstance(a, dict)]
        return self._address(value) if isinstance(value, dict) else None

    def _address(self, address: JsonObject) -> JsonObject:
        out: JsonObject = {k: address[k] for k in ADDRESS_KEPT if k in address}
        codes = self._extensions(address.get("extension"))
        if codes:
            out["extension"] = codes
        return out

    def _extensions(self, value: Any) -> list[JsonObject] | None:
        kept = [
            {"url": e["url"], "valueCode": e.get("valueCode")}
            for e in value or []
            if isinstance(e, dict) and e.get("url") == DISTRICT_CODE_EXTENSION
        ]
        return kept or None

    def birth_band(self, birth: str | None) -> str | None:
        """The generalised birth as shown in the export, for the quasi-identifier tuple."""
        if not birth:
            return None
        year = birth[:4]
        if self._birth == "band5" and year.isdigit():
            start = int(year) - int(year) % 5
            return f"{start}-{start + 4}"
        return year
