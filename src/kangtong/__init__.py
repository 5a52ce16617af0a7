"""kangtong (康通): a regional health information platform speaking FHIR R4."""

__version__ = "0.1.0"
