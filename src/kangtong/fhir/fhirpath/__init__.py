"""FHIRPath (N1) for FHIR R4 JSON, compiled once into closures for fast repeated evaluation.

Used by the search indexer to extract search-parameter values at write time, and by the
SQL-on-FHIR ViewDefinition runner. See docs/adr/0003-fhirpath-engine.md.
"""

from kangtong.fhir.fhirpath.engine import CompiledPath, compile_for_type, compile_path
from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.types import ReferenceTarget, TypeModel

__all__ = [
    "CompiledPath",
    "FhirPathError",
    "ReferenceTarget",
    "TypeModel",
    "compile_for_type",
    "compile_path",
]
