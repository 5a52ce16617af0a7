"""FHIR type knowledge the FHIRPath engine needs: the type-model port and the type hierarchy.

The engine never loads StructureDefinitions itself. It asks a :class:`TypeModel` (implemented by
``kangtong.fhir.model.StructureModel``) for the type of an element, and otherwise falls back on
what FHIR JSON itself says: a choice key's suffix (``valueQuantity``), a ``resourceType``, or the
Python type of a primitive value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

#: One item of a FHIRPath collection during evaluation: (value, FHIR type name or None).
Item = tuple[Any, str | None]


class TypeModel(Protocol):
    """Answers the FHIR type of an element, given its parent's type and its JSON key.

    ``("Observation", "valueQuantity") -> "Quantity"``,
    ``("Observation", "component") -> "Observation.component"`` (backbone elements are named by
    their path), ``("HumanName", "given") -> "string"``; ``None`` when the key is unknown.
    """

    def element_type(self, parent_type: str, json_key: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ReferenceTarget:
    """What ``resolve()`` yields: the target of a Reference, known only by its reference string.

    Nothing is fetched; ``resource_type`` is the type part of a relative or absolute literal
    reference (``Patient/123``, ``http://x/fhir/Patient/123``), None when it cannot be told
    (``urn:uuid:…``, ``#contained`` that is not found).
    """

    reference: str
    resource_type: str | None
    resource_id: str | None


# FHIR R4 primitive types (§2.24.0.1); in JSON a choice key capitalises them (valueDateTime).
PRIMITIVE_TYPES = frozenset(
    {
        "base64Binary",
        "boolean",
        "canonical",
        "code",
        "date",
        "dateTime",
        "decimal",
        "id",
        "instant",
        "integer",
        "integer64",
        "markdown",
        "oid",
        "positiveInt",
        "string",
        "time",
        "unsignedInt",
        "uri",
        "url",
        "uuid",
        "xhtml",
    }
)

_SUFFIX_TO_PRIMITIVE = {name[0].upper() + name[1:]: name for name in PRIMITIVE_TYPES}

# The complex types a choice element ([x]) may take in R4 (and R5), so that a key such as
# ``answerValueSet`` is not mistaken for the choice ``answer[x]``.
_CHOICE_COMPLEX_TYPES = frozenset(
    {
        "Address",
        "Age",
        "Annotation",
        "Attachment",
        "Availability",
        "CodeableConcept",
        "CodeableReference",
        "Coding",
        "ContactDetail",
        "ContactPoint",
        "Contributor",
        "Count",
        "DataRequirement",
        "Distance",
        "Dosage",
        "Duration",
        "Expression",
        "ExtendedContactDetail",
        "HumanName",
        "Identifier",
        "Meta",
        "Money",
        "ParameterDefinition",
        "Period",
        "Quantity",
        "Range",
        "Ratio",
        "RatioRange",
        "Reference",
        "RelatedArtifact",
        "SampledData",
        "Signature",
        "Timing",
        "TriggerDefinition",
        "UsageContext",
    }
)

# Specialisations (FHIR R4 datatypes: code/id/markdown derive from string, and so on), so that
# ofType(string) also accepts a code and ofType(Quantity) an Age.
_PARENT_TYPE = {
    "code": "string",
    "id": "string",
    "markdown": "string",
    "canonical": "uri",
    "oid": "uri",
    "url": "uri",
    "uuid": "uri",
    "positiveInt": "integer",
    "unsignedInt": "integer",
    "Age": "Quantity",
    "Count": "Quantity",
    "Distance": "Quantity",
    "Duration": "Quantity",
    "MoneyQuantity": "Quantity",
    "SimpleQuantity": "Quantity",
}

# FHIRPath System types (spec §"Types and reflection") and the FHIR primitives they stand for.
_SYSTEM_TYPES = {
    "Boolean": "boolean",
    "String": "string",
    "Integer": "integer",
    "Decimal": "decimal",
    "Date": "date",
    "DateTime": "dateTime",
    "Time": "time",
    "Quantity": "Quantity",
}

_ABSTRACT_RESOURCE_TYPES = frozenset({"Resource", "DomainResource"})


def type_of_choice_suffix(suffix: str) -> str | None:
    """The FHIR type a choice key's suffix names (``DateTime -> dateTime``); None if no type."""
    primitive = _SUFFIX_TO_PRIMITIVE.get(suffix)
    if primitive is not None:
        return primitive
    return suffix if suffix in _CHOICE_COMPLEX_TYPES else None


def choice_keys(name: str) -> dict[str, str]:
    """Every JSON key choice element ``name[x]`` may take, with the type each one means."""
    suffixes = [*_SUFFIX_TO_PRIMITIVE, *_CHOICE_COMPLEX_TYPES]
    return {name + suffix: type_of_choice_suffix(suffix) or suffix for suffix in suffixes}


def choice_suffix_of_type(type_name: str) -> str:
    """The suffix a choice key carries for ``type_name``: ``dateTime -> DateTime``."""
    return type_name[:1].upper() + type_name[1:]


def normalise_type_name(name: str) -> str:
    """Strip a ``FHIR.`` namespace and map ``System.X`` types onto the FHIR primitives."""
    namespace, _, local = name.rpartition(".")
    if namespace == "System":
        return _SYSTEM_TYPES.get(local, local)
    if namespace == "FHIR":
        return local
    return name


def specialisations_of(type_name: str) -> tuple[str, ...]:
    """``type_name`` and every type that derives from it (``string -> string, code, id, …``)."""
    children = tuple(child for child, parent in _PARENT_TYPE.items() if parent == type_name)
    return (type_name, *children)


def is_type_or_subtype(actual: str, wanted: str) -> bool:
    """Whether a value of FHIR type ``actual`` is a ``wanted`` (or a specialisation of it)."""
    if actual == wanted:
        return True
    parent = _PARENT_TYPE.get(actual)
    return parent is not None and is_type_or_subtype(parent, wanted)


def infer_type(value: Any) -> str | None:
    """The FHIR type a bare value evidently has, when nothing better is known."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        resource_type = value.get("resourceType")
        return resource_type if isinstance(resource_type, str) else None
    if isinstance(value, ReferenceTarget):
        return value.resource_type
    return None


def value_is_of_type(value: Any, known_type: str | None, wanted: str) -> bool:
    """The ``is``/``ofType`` test for one item whose type may or may not be known."""
    if wanted in _ABSTRACT_RESOURCE_TYPES:
        return _is_resource(value)
    actual = known_type if known_type is not None else infer_type(value)
    return actual is not None and is_type_or_subtype(actual, wanted)


def _is_resource(value: Any) -> bool:
    if isinstance(value, ReferenceTarget):
        return value.resource_type is not None
    return isinstance(value, dict) and isinstance(value.get("resourceType"), str)
