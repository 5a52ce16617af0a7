"""What a FHIR Reference points at, told from its literal reference string alone."""

from __future__ import annotations

from typing import Any

from kangtong.fhir.fhirpath.types import ReferenceTarget


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


def referenced_type(reference: Any, declared_type: Any, root: Any) -> str | None:
    """The resource type a Reference's target has, as far as it can be told without fetching."""
    if isinstance(reference, str):
        if reference.startswith("#"):
            contained = find_contained(root, reference)
            return None if contained is None else contained.get("resourceType")
        resource_type = _type_and_id(reference)[0]
        if resource_type is not None:
            return resource_type
    return declared_type if isinstance(declared_type, str) else None


def _type_and_id(reference: str) -> tuple[str | None, str | None]:
    if reference.startswith(("urn:", "#")):
        return None, None
    parts = reference.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) < 2:
        return None, None
    type_part, id_part = parts[-2], parts[-1].split("?", 1)[0]
    if id_part and type_part[:1].isupper() and type_part.isalpha():
        return type_part, id_part
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
