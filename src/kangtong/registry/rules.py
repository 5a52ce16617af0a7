"""The registries' write rules: they hold on every write path (see `kangtong.fhir.rules`).

- Organization: a USCC (GB 32100) must validate and be written in canonical form; one
  institution per USCC, whether it is active or not (a deactivated institution keeps its code).
- Practitioner: a citizen ID (GB 11643, 18-character form) must validate; one Practitioner per
  citizen ID and per licence number (a person working at several institutions is one
  Practitioner with several PractitionerRoles).
- Basic coded as a practitioner privilege: see `registry.privilege_rule`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from kangtong.core.errors import Issue
from kangtong.core.ids.gb11643 import citizen_id_check
from kangtong.core.ids.gb32100 import credit_code_check
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.rules import RuleLookup
from kangtong.registry import systems


def identifiers(resource: JsonObject, system: str) -> Iterator[tuple[str, str]]:
    """(FHIRPath of the value, value) of every identifier of `system`."""
    res_type = resource.get("resourceType", "")
    for position, identifier in enumerate(resource.get("identifier") or []):
        if isinstance(identifier, dict) and identifier.get("system") == system:
            value = identifier.get("value")
            yield (
                f"{res_type}.identifier[{position}].value",
                value if isinstance(value, str) else "",
            )


def duplicates(
    lookup: RuleLookup, res_type: str, res_id: str, system: str, value: str, label: str
) -> list[Issue]:
    """An issue per other current `res_type` that carries identifier `system|value`."""
    found = lookup.search(res_type, [("identifier", f"{system}|{value}")], at_most=3)
    return [
        Issue(
            "error",
            "duplicate",
            f"{label} {value} is already registered to {other.res_type}/{other.res_id}"
            + _named(other.resource),
        )
        for other in found
        if other.res_id != res_id
    ]


def _named(resource: JsonObject) -> str:
    name: Any = resource.get("name")
    if isinstance(name, str):
        return f" ({name})"
    return ""  # a person's name is personal data: never echoed in an error


class InstitutionRule:
    """统一社会信用代码 of Organization: valid (GB 32100 §4.3) and held by one institution."""

    resource_types = frozenset({"Organization"})

    def check(self, resource: JsonObject) -> Sequence[Issue]:
        issues = []
        codes = list(identifiers(resource, systems.USCC))
        for path, value in codes:
            result = credit_code_check(value)
            if not result.valid:
                issues.append(
                    Issue("error", "value", f"统一社会信用代码 is invalid: {result.reason}", path)
                )
            elif value != value.strip().upper():
                issues.append(
                    Issue(
                        "error", "value", "统一社会信用代码 must be upper case without spaces", path
                    )
                )
        issues += _coded_types(resource) + _district_codes(resource)
        if len({value for _path, value in codes}) > 1:
            issues.append(
                Issue(
                    "error", "business-rule", "an institution has one 统一社会信用代码", codes[1][0]
                )
            )
        return issues

    def claims(self, resource: JsonObject) -> Sequence[str]:
        return [f"uscc|{value}" for _path, value in identifiers(resource, systems.USCC)]

    def check_stored(
        self, res_id: str, resource: JsonObject, lookup: RuleLookup
    ) -> Sequence[Issue]:
        issues: list[Issue] = []
        for _path, value in identifiers(resource, systems.USCC):
            issues += duplicates(
                lookup, "Organization", res_id, systems.USCC, value, "统一社会信用代码"
            )
        parent = (resource.get("partOf") or {}).get("reference")
        if parent == f"Organization/{res_id}":
            issues.append(
                Issue(
                    "error",
                    "business-rule",
                    "an institution cannot be its own parent",
                    "Organization.partOf",
                )
            )
        return issues


_KNOWN_CODES = {
    systems.INSTITUTION_TYPE: systems.INSTITUTION_TYPES,
    systems.HOSPITAL_LEVEL: systems.HOSPITAL_LEVELS,
}


def _coded_types(resource: JsonObject) -> list[Issue]:
    """Organization.type codes in kangtong's institution-type and hospital-level systems."""
    issues = []
    for t, concept in enumerate(resource.get("type") or []):
        for c, coding in enumerate((concept or {}).get("coding") or []):
            known = _KNOWN_CODES.get(coding.get("system"))
            if known is not None and coding.get("code") not in known:
                path = f"Organization.type[{t}].coding[{c}].code"
                issues.append(
                    Issue(
                        "error",
                        "code-invalid",
                        f"'{coding.get('code')}' is not in {coding['system']}",
                        path,
                    )
                )
    return issues


def _district_codes(resource: JsonObject) -> list[Issue]:
    """GB/T 2260 district codes on addresses: six digits."""
    issues = []
    for a, address in enumerate(resource.get("address") or []):
        for e, extension in enumerate((address or {}).get("extension") or []):
            code = str(extension.get("valueCode", ""))
            if extension.get("url") == systems.DISTRICT_CODE_EXTENSION and not (
                len(code) == 6 and code.isdigit()
            ):
                path = f"Organization.address[{a}].extension[{e}].valueCode"
                issues.append(
                    Issue(
                        "error",
                        "value",
                        f"district code '{code}' is not a 6-digit GB/T 2260 code",
                        path,
                    )
                )
    return issues


class PractitionerRule:
    """Practitioner identity: a valid citizen ID, and one Practitioner per ID and per licence."""

    resource_types = frozenset({"Practitioner"})

    def check(self, resource: JsonObject) -> Sequence[Issue]:
        issues = []
        for path, value in identifiers(resource, systems.CITIZEN_ID):
            result = citizen_id_check(value)
            if not result.valid:
                issues.append(
                    Issue("error", "value", f"居民身份证号 is invalid: {result.reason}", path)
                )
            elif len(value) != 18 or value != value.upper():
                issues.append(
                    Issue(
                        "error",
                        "value",
                        "居民身份证号 must be registered in its 18-character form",
                        path,
                    )
                )
        for system in systems.LICENCE_SYSTEMS.values():
            for path, value in identifiers(resource, system):
                if not value or value != value.strip() or " " in value:
                    issues.append(
                        Issue(
                            "error", "value", "执业证书编码 must be a number without spaces", path
                        )
                    )
        return issues

    def claims(self, resource: JsonObject) -> Sequence[str]:
        return [f"{system}|{value}" for system, value in _unique_identifiers(resource)]

    def check_stored(
        self, res_id: str, resource: JsonObject, lookup: RuleLookup
    ) -> Sequence[Issue]:
        issues: list[Issue] = []
        for system, value in _unique_identifiers(resource):
            label = "居民身份证号" if system == systems.CITIZEN_ID else "执业证书编码"
            shown = value if system != systems.CITIZEN_ID else masked_citizen_id(value)
            for issue in duplicates(lookup, "Practitioner", res_id, system, value, label):
                issues.append(
                    Issue(issue.severity, issue.code, issue.diagnostics.replace(value, shown))
                )
        return issues


def _unique_identifiers(resource: JsonObject) -> list[tuple[str, str]]:
    found = []
    for system in (systems.CITIZEN_ID, *systems.LICENCE_SYSTEMS.values()):
        found += [(system, value) for _path, value in identifiers(resource, system) if value]
    return found


def masked_citizen_id(citizen_id: str) -> str:
    """An ID number as it may appear in messages and logs: area and check character only."""
    return citizen_id[:6] + "*" * max(len(citizen_id) - 7, 0) + citizen_id[-1:]
