"""fhir/model"""
