"""The IHE faces of the MPI as FHIR JSON: PDQm `$match` (ITI-119) and PIXm `$ihe-pix` (ITI-83).

PDQm: a searchset Bundle; per matched master person, its source Patients (search.mode match,
`search.score` the posterior probability, the `match-grade` extension), then the Person itself
(mode include). PIXm: Parameters with a `targetIdentifier` per identifier of the other linked
source records (filtered by `targetSystem`) and a `targetId` per linked Patient and the Person.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from kangtong.core.jsonutil import JsonObject
from kangtong.mpi.service import CrossReference, PersonMatch

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"


def match_bundle(
    matches: Sequence[PersonMatch],
    persons: Mapping[str, JsonObject],
    patients: Mapping[str, JsonObject],
    base_url: str,
) -> JsonObject:
    entries: list[JsonObject] = []
    for match in matches:
        person = persons.get(match.person_id)
        if person is None:
            continue
        for link in person.get("link") or []:
            reference = str(link.get("target", {}).get("reference", ""))
            patient = patients.get(reference.removeprefix("Patient/"))
            if reference.startswith("Patient/") and patient is not None:
                entries.append(_entry(patient, base_url, match))
        entries.append(
            {
                "fullUrl": f"{base_url}/Person/{match.person_id}",
                "resource": person,
                "search": {"mode": "include"},
            }
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "searchset",
        "total": len(matches),
        "entry": entries,
    }


def _entry(patient: JsonObject, base_url: str, match: PersonMatch) -> JsonObject:
    return {
        "fullUrl": f"{base_url}/Patient/{patient['id']}",
        "resource": patient,
        "search": {
            "extension": [{"url": MATCH_GRADE, "valueCode": match.grade}],
            "mode": "match",
            "score": round(match.probability, 4),
        },
    }


def pix_parameters(
    found: CrossReference, source: tuple[str, str], target_systems: Sequence[str]
) -> JsonObject:
    parameters: list[JsonObject] = []
    seen: set[tuple[str, str]] = {source}
    for _patient_id, identifiers in found.patients:
        for system, value in identifiers:
            wanted = not target_systems or system in target_systems
            if wanted and (system, value) not in seen:
                seen.add((system, value))
                parameters.append(
                    {
                        "name": "targetIdentifier",
                        "valueIdentifier": {"system": system, "value": value},
                    }
                )
    if not target_systems:
        for patient_id, _identifiers in found.patients:
            parameters.append(
                {"name": "targetId", "valueReference": {"reference": f"Patient/{patient_id}"}}
            )
        if found.person_id:
            parameters.append(
                {"name": "targetId", "valueReference": {"reference": f"Person/{found.person_id}"}}
            )
    return {"resourceType": "Parameters", "parameter": parameters}
