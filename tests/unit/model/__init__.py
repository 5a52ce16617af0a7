"""Tests of kangtong.fhir.model: the FHIR R4 structure model and validator."""
