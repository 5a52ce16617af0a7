"""fhir/search"""
