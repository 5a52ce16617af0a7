"""FHIR R4 (4.0.1) JSON for the synthetic district: registry, source patients and care."""
