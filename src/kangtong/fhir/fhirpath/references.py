"""What a FHIR Reference points at, told from its literal reference string alone."""

from __future__ import annotations

import re
from typing import Any

from kangtong.fhir.fhirpath.types import ReferenceTarget

_RESOURCE_TYPE_NAME = re.compile(r"[A-Z][A-Za-z]+")


def reference_target(reference: Any, declared_type: Any = None) -> ReferenceTarget | None:
    """Parse ``Patient/123``, ``http://x/fhir/Patient/123/_history/2``, ``urn:uuid:…``.

    ``declared_type`` (``Reference.type``) is used when the string does not say the type.
    """
    if not isinstance(reference, str):
        if isinstance(declared_type, str):
            return ReferenceTarget("", declared_type, None)
        return None
    resource_type, resource_id = _type_and_id(reference)
    if resource_type is None and isinstance(declared_type, str):
        resource_type = declared_type
    return ReferenceTarget(reference, resource_type, resource_id)


def _type_and_id(reference: str) -> tuple[str | None, str | None]:
    if reference.startswith(("urn:", "#")):
        return None, None
    parts = reference.split("?", 1)[0].split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2 and _RESOURCE_TYPE_NAME.fullmatch(parts[-2]) and parts[-1]:
        return parts[-2], parts[-1]
    return None, None


def find_contained(root: Any, reference: str) -> dict[str, Any] | None:
    """The resource ``#id`` names among the root resource's ``contained``."""
    if not isinstance(root, dict):
        return None
    wanted = reference[1:]
    for candidate in root.get("contained") or ():
        if isinstance(candidate, dict) and candidate.get("id") == wanted:
            return candidate
    return None
