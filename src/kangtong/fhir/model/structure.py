"""The FHIR R4 structure model at run time: types, their elements, and primitive type rules.

The model is read from ``data/r4-model.json``, which ``make definitions`` generates from the
official R4 StructureDefinitions (see :mod:`kangtong.fhir.model.build`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DEFAULT_MODEL_PATH = Path(__file__).parent / "data" / "r4-model.json"
_SUPPORTED_FORMAT = 1

TypeKind = Literal["resource", "complex-type", "backbone"]
JsonType = Literal["boolean", "integer", "number", "string"]


class ModelNotBuiltError(FileNotFoundError):
    """The generated model file is missing; ``make definitions`` creates it."""


@dataclass(frozen=True, slots=True)
class ElementDef:
    """One element of a type, e.g. ``Observation.value[x]``."""

    name: str  # "value[x]", "status"
    path: str  # "Observation.value[x]"
    json_keys: tuple[str, ...]  # ("valueQuantity", "valueString", …); aligned with ``types``
    types: tuple[str, ...]  # ("Quantity", "string", …); backbone types are named by path
    min: int
    max: int | None  # None for "*"
    is_summary: bool = False
    is_modifier: bool = False
    binding: str | None = None  # canonical of a required binding on a ``code`` element
    required_codes: frozenset[str] | None = None  # None when there is no binding or no expansion

    @property
    def is_array(self) -> bool:
        """True when the element repeats and so is a JSON array."""
        return self.max is None or self.max > 1

    @property
    def is_choice(self) -> bool:
        return self.name.endswith("[x]")

    def type_of(self, json_key: str) -> str:
        return self.types[self.json_keys.index(json_key)]


@dataclass(frozen=True, slots=True)
class TypeDef:
    """A resource, complex datatype or BackboneElement with its elements in definition order."""

    name: str
    kind: TypeKind
    elements: tuple[ElementDef, ...]
    is_abstract: bool = False


@dataclass(frozen=True, slots=True)
class PrimitiveTypeDef:
    """How a primitive type appears in JSON and the regular expression its value must match."""

    name: str
    json_type: JsonType
    regex: str | None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None


class StructureModel:
    """FHIR R4 type information; implements the FHIRPath engine's ``TypeModel`` protocol."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        if document.get("format") != _SUPPORTED_FORMAT:
            raise ValueError(f"unsupported model format {document.get('format')!r}")
        self.fhir_version: str = document["fhirVersion"]
        self.resource_types: frozenset[str] = frozenset(document["resourceTypes"])
        self.types: dict[str, TypeDef] = {
            name: _type_def(name, entry) for name, entry in document["types"].items()
        }
        self.primitive_types: dict[str, PrimitiveTypeDef] = {
            name: _primitive_def(name, entry) for name, entry in document["primitiveTypes"].items()
        }
        self.unexpanded_value_sets: dict[str, str] = dict(document["unexpandedValueSets"])
        self._by_key: dict[str, dict[str, ElementDef]] = {
            name: {key: element for element in type_def.elements for key in element.json_keys}
            for name, type_def in self.types.items()
        }
        self._type_by_key: dict[str, dict[str, str]] = {
            name: {
                key: type_name
                for element in type_def.elements
                for key, type_name in zip(element.json_keys, element.types, strict=True)
            }
            for name, type_def in self.types.items()
        }

    @classmethod
    def load(cls, path: Path | None = None) -> StructureModel:
        """The model in ``path`` (default: the generated file in this package), read once."""
        return _load_model(path or DEFAULT_MODEL_PATH)

    def element(self, parent_type: str, json_key: str) -> ElementDef | None:
        """The element a JSON key of ``parent_type`` holds (``valueQuantity`` → ``value[x]``)."""
        by_key = self._by_key.get(parent_type)
        return None if by_key is None else by_key.get(json_key)

    def element_type(self, parent_type: str, json_key: str) -> str | None:
        """FHIR type of a JSON key: ``("Observation", "valueQuantity") -> "Quantity"``."""
        by_key = self._type_by_key.get(parent_type)
        return None if by_key is None else by_key.get(json_key)

    def summary_elements(self, resource_type: str) -> frozenset[str]:
        """Top-level JSON keys of a resource type that belong to its summary (isSummary)."""
        type_def = self.types.get(resource_type)
        if type_def is None:
            return frozenset()
        return frozenset(key for e in type_def.elements if e.is_summary for key in e.json_keys)

    def is_resource_type(self, name: str) -> bool:
        return name in self.resource_types

    def is_primitive_type(self, name: str) -> bool:
        return name in self.primitive_types


@functools.cache
def _load_model(path: Path) -> StructureModel:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelNotBuiltError(
            f"FHIR R4 structure model {path} is missing; run `make definitions` to generate it"
        ) from None
    return StructureModel(json.loads(text))


def _type_def(name: str, entry: Mapping[str, Any]) -> TypeDef:
    return TypeDef(
        name=name,
        kind=entry["kind"],
        elements=tuple(_element_def(e) for e in entry["elements"]),
        is_abstract=entry.get("abstract", False),
    )


def _element_def(entry: Mapping[str, Any]) -> ElementDef:
    codes = entry.get("codes")
    return ElementDef(
        name=entry["name"],
        path=entry["path"],
        json_keys=tuple(entry["keys"]),
        types=tuple(entry["keys"].values()),
        min=entry["min"],
        max=None if entry["max"] == "*" else int(entry["max"]),
        is_summary=entry.get("summary", False),
        is_modifier=entry.get("modifier", False),
        binding=entry.get("binding"),
        required_codes=None if codes is None else frozenset(codes),
    )


def _primitive_def(name: str, entry: Mapping[str, Any]) -> PrimitiveTypeDef:
    return PrimitiveTypeDef(
        name=name,
        json_type=entry["json"],
        regex=entry.get("regex"),
        max_length=entry.get("maxLength"),
        min_value=entry.get("minValueInteger"),
        max_value=entry.get("maxValueInteger"),
    )
