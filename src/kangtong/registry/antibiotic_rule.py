"""The write rule for antibiotic prescribing grades (抗菌药物分级管理).

A MedicationRequest for a 限制使用级 or 特殊使用级 antibiotic (see `antibiotic_grades`) is refused
(422) unless its `requester` holds that grade (or a higher one) at the prescribing institution on
the `authoredOn` day, as the health-worker registry records it (抗菌药物临床应用管理办法 第二十四条).
非限制使用级 and non-antibiotic drugs are not checked here.

Decisions (ADR 0011): a graded request must name its requester, a registered Practitioner or
PractitionerRole, and its `authoredOn`; the institution is the PractitionerRole's organization,
else the Encounter's serviceProvider, else the one institution where the practitioner holds a
role that day (several or none: refused, send a PractitionerRole). `entered-in-error` requests
are not checked, so mistakes can always be corrected.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from kangtong.core.errors import Issue
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.rules import RuleLookup
from kangtong.registry import systems
from kangtong.registry.antibiotic_grades import (
    ANTIBIOTIC_GRADE_MAP,
    AntibioticCatalogue,
    GradedDrug,
)
from kangtong.registry.privilege_lookup import institutions_of, privileges_in
from kangtong.registry.privileges import PrivilegeSet

WHERE = "MedicationRequest.requester"


@dataclass(frozen=True)
class Prescriber:
    practitioner_id: str
    organization_id: str


class AntibioticGradeRule:
    """限制使用级/特殊使用级 antibiotics only from practitioners who hold the grade."""

    resource_types = frozenset({"MedicationRequest"})

    def __init__(self, starter: AntibioticCatalogue | None = None) -> None:
        self._starter = starter if starter is not None else AntibioticCatalogue.starter()
        # One catalogue look-up per transaction, not per MedicationRequest (a bundle carries
        # several), and one parse per stored catalogue version.
        self._per_transaction: weakref.WeakKeyDictionary[RuleLookup, AntibioticCatalogue] = (
            weakref.WeakKeyDictionary()
        )
        self._parsed: tuple[tuple[str, str], AntibioticCatalogue] | None = None
        # The catalogue as of a ConceptMap fingerprint: reused until any ConceptMap changes.
        self._as_of: tuple[tuple[int, int], AntibioticCatalogue] | None = None

    def check(self, resource: JsonObject) -> Sequence[Issue]:
        return []

    def claims(self, resource: JsonObject) -> Sequence[str]:
        return []

    def check_stored(
        self, res_id: str, resource: JsonObject, lookup: RuleLookup
    ) -> Sequence[Issue]:
        if resource.get("status") == "entered-in-error":
            return []
        drug = self._catalogue(lookup).strictest(_drug_codings(resource, lookup))
        if drug is None or drug.grade == "non-restricted":
            return []
        day = _day(resource.get("authoredOn"))
        if day is None:
            return [_error(f"{_drug(drug)}: authoredOn is needed to check the prescriber's grade",
                           "MedicationRequest.authoredOn")]  # fmt: skip
        prescriber = _prescriber(resource, lookup, day)
        if isinstance(prescriber, str):
            return [_error(f"{_drug(drug)}: {prescriber}", WHERE)]
        held = privileges_in(lookup, prescriber.practitioner_id, prescriber.organization_id, day)
        if held.may_use_antibiotic(drug.grade):
            return []
        return [_error(_refusal(drug, held), WHERE)]

    def _catalogue(self, lookup: RuleLookup) -> AntibioticCatalogue:
        known = self._per_transaction.get(lookup)
        if known is None:
            fingerprint = lookup.type_fingerprint("ConceptMap")
            if self._as_of is not None and self._as_of[0] == fingerprint:
                known = self._as_of[1]
            else:
                known = self._stored_catalogue(lookup)
                self._as_of = (fingerprint, known)
            self._per_transaction[lookup] = known
        return known

    def _stored_catalogue(self, lookup: RuleLookup) -> AntibioticCatalogue:
        stored = lookup.search("ConceptMap", [("url", ANTIBIOTIC_GRADE_MAP)], at_most=1)
        if not stored:
            return self._starter
        meta = stored[0].resource.get("meta") or {}
        version = (stored[0].res_id, str(meta.get("versionId", "")))
        if self._parsed is None or self._parsed[0] != version or not version[1]:
            self._parsed = (version, AntibioticCatalogue.from_concept_map(stored[0].resource))
        return self._parsed[1]


def _drug(drug: GradedDrug) -> str:
    return f"{drug.display} ({drug.code}) is {drug.grade_display} ({drug.grade})"


def _refusal(drug: GradedDrug, held: PrivilegeSet) -> str:
    grade = held.antibiotic_grade
    holds = (
        f"holds {systems.ANTIBIOTIC_GRADES[grade]} ({grade})"
        if grade
        else "holds no antibiotic grade"
    )
    return (
        f"{_drug(drug)}; Practitioner/{held.practitioner_id} {holds} at "
        f"Organization/{held.organization_id} on {held.at.isoformat()}"
    )


def _drug_codings(resource: JsonObject, lookup: RuleLookup) -> list[tuple[str, str]]:
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        target = _reference(resource.get("medicationReference"))
        if target is None or target[0] != "Medication":
            return []
        found = lookup.search("Medication", [("_id", target[1])], at_most=1)
        concept = found[0].resource.get("code") if found else None
    codings = (concept or {}).get("coding") or []
    return [(str(c.get("system")), str(c.get("code"))) for c in codings if isinstance(c, dict)]


def _prescriber(resource: JsonObject, lookup: RuleLookup, day: dt.date) -> Prescriber | str:
    """Who prescribed at which institution, or why that cannot be told."""
    requester = _reference(resource.get("requester"))
    if requester is None:
        return "the request has no requester, so nobody holds the grade"
    kind, requester_id = requester
    if kind == "PractitionerRole":
        found = lookup.search("PractitionerRole", [("_id", requester_id)], at_most=1)
        if not found:
            return f"PractitionerRole/{requester_id} is not registered"
        practitioner = _reference(found[0].resource.get("practitioner"))
        organization = _reference(found[0].resource.get("organization"))
        if practitioner is None or organization is None:
            return f"PractitionerRole/{requester_id} names no practitioner or institution"
        return Prescriber(practitioner[1], organization[1])
    if kind != "Practitioner":
        return f"the requester is a {kind}: only practitioners hold antibiotic grades"
    if not lookup.search("Practitioner", [("_id", requester_id)], at_most=1):
        return f"Practitioner/{requester_id} is not registered"
    provider = _service_provider(resource, lookup)
    if provider is not None:
        return Prescriber(requester_id, provider)
    places = institutions_of(lookup, requester_id, day)
    if len(places) != 1:
        return (
            f"Practitioner/{requester_id} holds roles at {len(places)} institutions on {day}: "
            "name the post as a PractitionerRole requester"
        )
    return Prescriber(requester_id, places[0])


def _service_provider(resource: JsonObject, lookup: RuleLookup) -> str | None:
    encounter = _reference(resource.get("encounter"))
    if encounter is None or encounter[0] != "Encounter":
        return None
    found = lookup.search("Encounter", [("_id", encounter[1])], at_most=1)
    provider = _reference(found[0].resource.get("serviceProvider")) if found else None
    return provider[1] if provider and provider[0] == "Organization" else None


def _reference(value: object) -> tuple[str, str] | None:
    reference = value.get("reference") if isinstance(value, dict) else None
    if not isinstance(reference, str) or "/" not in reference:
        return None
    parts = reference.split("/")
    return parts[-2], parts[-1]


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _error(message: str, where: str) -> Issue:
    return Issue("error", "business-rule", message, where)
