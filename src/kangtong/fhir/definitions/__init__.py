"""Official FHIR R4 definitions shipped with kangtong (FHIR is published under CC0)."""
