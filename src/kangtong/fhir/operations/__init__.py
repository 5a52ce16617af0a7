"""FHIR operations, one module each: $everything, $validate."""
