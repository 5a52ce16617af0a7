"""Assembly (组装服务): CDA R2 shared documents built from FHIR data by versioned templates."""

from kangtong.documents.assembly.assemble import (
    AssemblyOptions,
    MissingDocumentData,
    assemble,
    stable_id,
)
from kangtong.documents.assembly.catalogue import (
    DocumentTemplate,
    UnknownDocumentType,
    template_for,
    type_codes,
)
from kangtong.documents.assembly.eligibility import applicable_types
from kangtong.documents.assembly.record import EncounterRecord
from kangtong.documents.assembly.synth_records import ResourceIndex

__all__ = [
    "AssemblyOptions",
    "DocumentTemplate",
    "EncounterRecord",
    "MissingDocumentData",
    "ResourceIndex",
    "UnknownDocumentType",
    "applicable_types",
    "assemble",
    "stable_id",
    "template_for",
    "type_codes",
]
