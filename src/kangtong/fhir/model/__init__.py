"""FHIR R4 (4.0.1) structure model and the compiled resource validator (fhir/model)."""

from kangtong.fhir.model.issues import ValidationIssue
from kangtong.fhir.model.structure import ElementDef, ModelNotBuiltError, StructureModel, TypeDef
from kangtong.fhir.model.validator import ResourceValidator

__all__ = [
    "ElementDef",
    "ModelNotBuiltError",
    "ResourceValidator",
    "StructureModel",
    "TypeDef",
    "ValidationIssue",
]
