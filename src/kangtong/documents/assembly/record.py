"""What one document is assembled from: the FHIR resources gathered around one Encounter.

The templates never read the store: a record is plain FHIR JSON dicts, gathered either through
the resource service (`gather.py`, as a caller sees the data) or from the synthetic district in
memory (`synth_records.py`), so the same assembly serves the API, the CLI and `synth`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Resource = dict[str, Any]


@dataclass(frozen=True)
class EncounterRecord:
    """The Encounter, its patient, author and custodian, and the clinical data recorded in it."""

    patient: Resource
    encounter: Resource
    custodian: Resource | None = None
    author: Resource | None = None
    conditions: list[Resource] = field(default_factory=list)
    observations: list[Resource] = field(default_factory=list)
    reports: list[Resource] = field(default_factory=list)
    medications: list[Resource] = field(default_factory=list)
    procedures: list[Resource] = field(default_factory=list)
    allergies: list[Resource] = field(default_factory=list)
    immunizations: list[Resource] = field(default_factory=list)

    @property
    def encounter_id(self) -> str:
        return str(self.encounter["id"])

    def resources(self) -> list[Resource]:
        """Every resource of the record, for label checks."""
        found = [self.patient, self.encounter, *self.conditions, *self.observations]
        found += [*self.reports, *self.medications, *self.procedures, *self.allergies]
        return found + self.immunizations


def reference_id(reference: Any, res_type: str) -> str | None:
    """The id in a literal `Type/id` reference of `res_type`, else None."""
    if not isinstance(reference, dict):
        return None
    value = reference.get("reference")
    if isinstance(value, str) and value.startswith(res_type + "/"):
        return value.split("/", 1)[1].split("/", 1)[0] or None
    return None


def author_reference(encounter: Resource) -> str | None:
    """The document's author: the Encounter's first participant who is a Practitioner."""
    return next(
        (
            found
            for participant in encounter.get("participant", [])
            if (found := reference_id(participant.get("individual"), "Practitioner"))
        ),
        None,
    )
