"""AuditEvent (FHIR R4) in the shape of IHE Basic Audit Log Patterns (BALP).

Events name people and records only by reference (`Practitioner/…`, `Patient/…`, an account
or client id), never by name, ID number or phone, and never carry search parameters, which
may hold such values. Break-glass access is marked with purposeOfEvent BTG.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kangtong.core.clock import format_instant

DCM = "http://dicom.nema.org/resources/ontology/DCM"
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
PRINCIPAL_SYSTEM = "urn:kangtong:principal"

# AuditEvent.action (C R U D E) of each interaction; BALP records search as Execute.
ACTION_CODES = {
    "create": "C", "read": "R", "vread": "R", "history": "R", "update": "U", "patch": "U",
    "delete": "D", "search": "E", "operation": "E", "export": "R", "login": "E",
    "issue-token": "E", "revoke": "E", "purge": "D", "break-glass": "E", "rotate-key": "E",
    "refusal-flood": "E", "care-relation": "C", "security-alert": "E",
    "consent-self": "C", "consent-alert": "E", "guardian-alert": "E",
}  # fmt: skip
# AuditEvent.outcome: 0 success, 4 minor failure (refused), 8 serious failure.
OUTCOME_CODES = {"success": "0", "staged": "0", "denied": "4", "failure": "8"}
_SPECIAL_TYPES = {
    "login": (DCM, "110114", "User Authentication"),
    "issue-token": (DCM, "110114", "User Authentication"),
    "revoke": (DCM, "110114", "User Authentication"),
    "export": (DCM, "110106", "Export"),
    "purge": (DCM, "110101", "Audit Log Used"),
    "break-glass": (DCM, "110113", "Security Alert"),
    "care-relation": (DCM, "110110", "Patient Record"),
    "security-alert": (DCM, "110113", "Security Alert"),
    "consent-self": (DCM, "110110", "Patient Record"),
    "consent-alert": (DCM, "110113", "Security Alert"),
    "guardian-alert": (DCM, "110113", "Security Alert"),
    "rotate-key": (DCM, "110113", "Security Alert"),
    "refusal-flood": (DCM, "110113", "Security Alert"),
}
AUDIT_SUBTYPE = "urn:kangtong:audit-subtype"
# Events of kangtong's own kinds (issue 13, finding 1): a care relationship created, and the
# alert a clinician registering a patient never seen at their institution raises.
_SUBTYPES = {
    "care-relation": ("care-relationship", "Care relationship created"),
    "security-alert": ("unusual-care-relationship", "Patient never seen at the institution"),
    # Issue 13 review: staff permitting their own institution; a guardianship refused.
    "consent-self": ("self-recorded-consent", "Staff recorded a permit reaching themselves"),
    "consent-alert": ("self-permitting-consent", "Staff recorded a permit reaching themselves"),
    "guardian-alert": ("unregistered-guardianship", "Guardianship of an unregistered patient"),
}
FHIR_TYPES_AS_PRINCIPAL = (
    "Practitioner/",
    "PractitionerRole/",
    "Patient/",
    "RelatedPerson/",
    "Device/",
)


@dataclass(frozen=True)
class AuditFacts:
    """What happened, by whom, to what; every field is free of personal identifiers."""

    action: str
    outcome: str
    principal: str
    recorded: datetime
    organization: str | None = None
    roles: frozenset[str] = frozenset()
    resource_type: str | None = None
    resource_id: str | None = None
    patients: Iterable[str] = ()
    purpose: str | None = None
    break_glass_grant: str | None = None
    details: tuple[tuple[str, str], ...] = field(default=())
    # Further resources of the same action (a transaction bundle's entries): one event, not 50.
    more_resources: tuple[tuple[str, str], ...] = ()


def principal_reference(principal: str) -> dict[str, Any]:
    if principal.startswith(FHIR_TYPES_AS_PRINCIPAL):
        return {"reference": principal}
    return {"identifier": {"system": PRINCIPAL_SYSTEM, "value": principal}}


def build_audit_event(facts: AuditFacts) -> dict[str, Any]:
    """The AuditEvent resource for `facts` (not stored as a FHIR resource: see `AuditTrail`)."""
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": _event_type(facts.action),
        "action": ACTION_CODES.get(facts.action, "E"),
        "recorded": format_instant(facts.recorded),
        "outcome": OUTCOME_CODES.get(facts.outcome, "8"),
        "agent": _agents(facts),
        "source": {
            "observer": {"display": "kangtong"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
    }
    if facts.action in RESTFUL_ACTIONS:
        event["subtype"] = [{"system": RESTFUL, "code": _interaction(facts)}]
    elif facts.action in _SUBTYPES:
        code, display = _SUBTYPES[facts.action]
        event["subtype"] = [{"system": AUDIT_SUBTYPE, "code": code, "display": display}]
    if facts.break_glass_grant:
        event["purposeOfEvent"] = [
            {"coding": [{"system": ACT_REASON, "code": "BTG", "display": "break the glass"}]}
        ]
    entities = _entities(facts)
    if entities:
        event["entity"] = entities
    return event


RESTFUL_ACTIONS = frozenset(
    {"create", "read", "vread", "history", "update", "patch", "delete", "search", "operation"}
)


def _event_type(action: str) -> dict[str, str]:
    system, code, display = _SPECIAL_TYPES.get(action, (EVENT_TYPE, "rest", "Restful Operation"))
    return {"system": system, "code": code, "display": display}


def _interaction(facts: AuditFacts) -> str:
    if facts.action == "search":
        return "search-type" if facts.resource_type else "search-system"
    if facts.action == "history":
        return "history-instance" if facts.resource_id else "history-type"
    return facts.action


def _agents(facts: AuditFacts) -> list[dict[str, Any]]:
    requestor: dict[str, Any] = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": principal_reference(facts.principal),
        "requestor": True,
    }
    if facts.roles:
        requestor["role"] = [
            {"coding": [{"system": "urn:kangtong:role", "code": r}]} for r in sorted(facts.roles)
        ]
    if facts.purpose:
        requestor["purposeOfUse"] = [{"coding": [{"system": ACT_REASON, "code": facts.purpose}]}]
    agents = [requestor]
    if facts.organization:
        agents.append({
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass", "code": "PROV"}]},
            "who": {"reference": f"Organization/{facts.organization}"},
            "requestor": False,
        })  # fmt: skip
    return agents


def _resource_entity(resource_type: str, resource_id: str | None) -> dict[str, Any]:
    what = f"{resource_type}/{resource_id}" if resource_id else resource_type
    return {
        "what": {"reference": what} if resource_id else {"display": what},
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
    }


def _entities(facts: AuditFacts) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if facts.resource_type:
        entities.append(_resource_entity(facts.resource_type, facts.resource_id))
    entities.extend(_resource_entity(t, i) for t, i in facts.more_resources)
    for patient in sorted(set(facts.patients)):
        entities.append({
            "what": {"reference": f"Patient/{patient}"},
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
        })  # fmt: skip
    details = list(facts.details)
    if facts.break_glass_grant:
        details.append(("break-glass-grant", facts.break_glass_grant))
    if details:
        entities.append({
            "type": {"system": ENTITY_TYPE, "code": "4", "display": "Other"},
            "detail": [{"type": name, "valueString": value} for name, value in details],
        })  # fmt: skip
    return entities
