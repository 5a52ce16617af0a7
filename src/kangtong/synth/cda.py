"""The synthetic district's CDA shared documents: every implemented type its encounters make.

Assembled in memory from the FHIR resources the synth has just made (no database), with ids
derived from the encounter so the same seed writes the same documents.
"""

from __future__ import annotations

from collections.abc import Iterator

from kangtong.documents.assembly import (
    AssemblyOptions,
    ResourceIndex,
    applicable_types,
    assemble,
    stable_id,
)
from kangtong.synth.care import CareSetting
from kangtong.synth.fhir.common import Resource
from kangtong.synth.fhir.registry import registry_resources

OPTIONS = AssemblyOptions(new_id=stable_id)


def registry_of(setting: CareSetting) -> list[Resource]:
    """The Organizations and Practitioners documents name as custodian and author."""
    wanted = ("Organization", "Practitioner")
    return [r for kind, r in registry_resources(setting.district) if kind in wanted]


def person_documents(
    registry: list[Resource], resources: list[Resource]
) -> Iterator[tuple[str, str, bytes]]:
    """(type code, encounter id, CDA bytes) for each type each of the person's encounters makes."""
    index = ResourceIndex().add(registry).add(resources)
    for record in index.records():
        for type_code in applicable_types(record):
            yield type_code, record.encounter_id, assemble(record, type_code, OPTIONS)
