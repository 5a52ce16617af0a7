"""Layered validation of CDA R2 shared documents (WS/T 500, WS/T 483): see docs/documents.md."""

from kangtong.documents.validation.codes import CodeLookup, StaticCodes
from kangtong.documents.validation.findings import Finding, Layer, Report, Severity
from kangtong.documents.validation.validator import validate_bytes, validate_tree

__all__ = [
    "CodeLookup",
    "Finding",
    "Layer",
    "Report",
    "Severity",
    "StaticCodes",
    "validate_bytes",
    "validate_tree",
]
