"""Validation issues, shaped like ``OperationOutcome.issue`` (severity, code, location, text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["fatal", "error", "warning", "information"]


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem found in a resource.

    ``code`` is a FHIR IssueType (``structure``, ``required``, ``value``, ``code-invalid``,
    ``invalid``, ``invariant``, ``not-supported``); ``path`` is a FHIRPath-like location such as
    ``Patient.name[0].given[1]`` or ``Observation.valueQuantity.value``.
    """

    severity: Severity
    code: str
    path: str
    message: str


Issues = list[ValidationIssue]


def error(issues: Issues, code: str, path: str, message: str) -> None:
    """Record an error-level issue."""
    issues.append(ValidationIssue("error", code, path, message))


def json_kind(value: Any) -> str:
    """How a JSON value is called in messages: ``object``, ``array``, ``string`` …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shown(value: Any, limit: int = 40) -> str:
    """A short quotation of a value for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
