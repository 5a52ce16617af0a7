"""fhir/search/params"""
