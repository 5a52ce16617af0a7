"""Practitioner privileges as FHIR: one `Basic` resource per grant (授权).

A grant says: practitioner P holds privilege K at institution O from `start` to `end` (both
inclusive; no end = until revoked), optionally at a level (手术级别 1–4, 抗菌药物 grade) or for one
shared-document type (WS/T 500 C00nn; none = every type). As FHIR:

- `Basic.code` — the privilege, system `practitioner-privilege`;
- `Basic.subject` — the Practitioner; `Basic.author` — the granting institution (Organization),
  so `Basic?subject=…&author=…&code=…` finds grants with standard search parameters;
- extensions `privilege-period` (valuePeriod), `privilege-level` (valueCoding),
  `privilege-document-type` (valueCoding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import JsonObject
from kangtong.registry import systems

LEVEL_SYSTEMS = {"surgery": systems.SURGERY_LEVEL, "antibiotic": systems.ANTIBIOTIC_GRADE}
LEVELS: dict[str, Mapping[str, str]] = {
    "surgery": systems.SURGERY_LEVELS,
    "antibiotic": systems.ANTIBIOTIC_GRADES,
}
DOCUMENT_PRIVILEGES = frozenset(
    {"document-record", "document-view", "document-edit", "document-sign"}
)


@dataclass(frozen=True)
class Grant:
    """One privilege of one practitioner at one institution, valid `start` … `end` inclusive."""

    practitioner_id: str
    organization_id: str
    privilege: str
    start: dt.date
    end: dt.date | None = None
    level: str | None = None
    document_type: str | None = None
    id: str | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def grant_resource(grant: Grant) -> JsonObject:
    """The `Basic` resource of a grant (without id: the service assigns one)."""
    period: JsonObject = {"start": grant.start.isoformat()}
    if grant.end is not None:
        period["end"] = grant.end.isoformat()
    extension: list[JsonObject] = [
        {"url": systems.PRIVILEGE_PERIOD_EXTENSION, "valuePeriod": period}
    ]
    if grant.level is not None:
        system = LEVEL_SYSTEMS.get(grant.privilege, "")
        levels: Mapping[str, str] = LEVELS.get(grant.privilege, {})
        display = levels.get(grant.level, grant.level)
        extension.append(
            {
                "url": systems.PRIVILEGE_LEVEL_EXTENSION,
                "valueCoding": {"system": system, "code": grant.level, "display": display},
            }
        )
    if grant.document_type is not None:
        extension.append(
            {
                "url": systems.PRIVILEGE_DOCUMENT_EXTENSION,
                "valueCoding": {"system": systems.DOCUMENT_TYPE, "code": grant.document_type},
            }
        )
    resource: JsonObject = {
        "resourceType": "Basic",
        "extension": extension,
        "code": {
            "coding": [
                {
                    "system": systems.PRIVILEGE,
                    "code": grant.privilege,
                    "display": systems.PRIVILEGES.get(grant.privilege, grant.privilege),
                }
            ]
        },
        "subject": {"reference": f"Practitioner/{grant.practitioner_id}"},
        "author": {"reference": f"Organization/{grant.organization_id}"},
    }
    if grant.id is not None:
        resource["id"] = grant.id
    return resource


def is_grant(resource: JsonObject) -> bool:
    """Whether a Basic resource is a privilege grant (coded in the privilege system)."""
    return privilege_coding(resource) is not None


def privilege_coding(resource: JsonObject) -> JsonObject | None:
    for coding in (resource.get("code") or {}).get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == systems.PRIVILEGE:
            return coding
    return None


def extension_value(resource: JsonObject, url: str, key: str) -> JsonObject | None:
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == url:
            value = extension.get(key)
            return value if isinstance(value, dict) else None
    return None


def grant_of(resource: JsonObject) -> Grant:
    """Read a stored grant; raises `Invalid` if the resource is not one (rules keep them sound)."""
    coding = privilege_coding(resource)
    period = extension_value(resource, systems.PRIVILEGE_PERIOD_EXTENSION, "valuePeriod") or {}
    level = extension_value(resource, systems.PRIVILEGE_LEVEL_EXTENSION, "valueCoding") or {}
    document = extension_value(resource, systems.PRIVILEGE_DOCUMENT_EXTENSION, "valueCoding") or {}
    if coding is None or "start" not in period:
        raise Invalid(f"Basic/{resource.get('id')} is not a privilege grant")
    end = period.get("end")
    return Grant(
        practitioner_id=_referenced_id(resource, "subject"),
        organization_id=_referenced_id(resource, "author"),
        privilege=str(coding.get("code")),
        start=dt.date.fromisoformat(str(period["start"])[:10]),
        end=dt.date.fromisoformat(str(end)[:10]) if end else None,
        level=level.get("code"),
        document_type=document.get("code"),
        id=resource.get("id"),
    )


def _referenced_id(resource: JsonObject, element: str) -> str:
    reference = str((resource.get(element) or {}).get("reference", ""))
    return reference.rpartition("/")[2]
