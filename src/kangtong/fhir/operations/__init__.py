"""fhir/operations"""
