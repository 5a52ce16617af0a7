"""fhir/fhirpath"""
