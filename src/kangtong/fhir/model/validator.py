"""Validate FHIR R4 resources in their JSON form against the structure model.

Checked: a known ``resourceType``; no unknown properties; cardinality (required elements, JSON
arrays exactly for repeating elements, no empty arrays); primitive values by JSON type, range and
regular expression; ``_element`` siblings of primitives; one key per choice element; nested
datatypes, BackboneElements and contained resources; required bindings on ``code`` elements whose
value set could be expanded; the invariants ele-1, ext-1, txt-1 and txt-2 (narrative XHTML:
``xhtml.py``); no control characters in strings;
Bundle integrity (fullUrls, bdl-7, bdl-8, references inside documents: ``bundle_rules``). Not
checked: other invariants, non-required bindings, profiles, reference targets, the HTML content
model inside a narrative (which block may sit in which paragraph).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kangtong.fhir.model.bundle_rules import bundle_issues
from kangtong.fhir.model.compiler import ValidatorCompiler
from kangtong.fhir.model.issues import ValidationIssue, json_kind
from kangtong.fhir.model.structure import StructureModel

__all__ = ["ResourceValidator", "ValidationIssue"]


class ResourceValidator:
    """Compiles the model once, then validates any number of resources.

    Values are expected as a JSON decoder produces them (``dict``, ``list``, ``str``, ``int``,
    ``float``, ``bool``, ``None``); a top-level ``Mapping`` other than ``dict`` is copied first.
    """

    def __init__(self, model: StructureModel) -> None:
        self._compiler = ValidatorCompiler(model)

    def validate(self, resource: Mapping[str, Any]) -> list[ValidationIssue]:
        """Every issue found; an empty list means the resource is valid FHIR R4 structure."""
        issues: list[ValidationIssue] = []
        if not isinstance(resource, Mapping):
            message = f"a resource must be a JSON object, found {json_kind(resource)}"
            return [ValidationIssue("fatal", "structure", "Resource", message)]
        document = resource if type(resource) is dict else dict(resource)
        self._compiler.check_resource(document, "", issues)
        if document.get("resourceType") == "Bundle" and not issues:
            issues.extend(bundle_issues(document))
        return issues

    def is_valid(self, resource: Mapping[str, Any]) -> bool:
        return not self.validate(resource)
