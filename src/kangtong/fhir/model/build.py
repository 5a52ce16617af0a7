"""Build the compact FHIR R4 structure model (``r4-model.json``) from the official definitions.

Run at install time (``make definitions``)::

    python -m kangtong.fhir.model.build --definitions <dir with profiles-*.json> --out <file>

The output lists, for every resource, complex datatype and BackboneElement (named by its path,
e.g. ``Observation.component``), its elements with their JSON keys, types, cardinality,
summary/modifier flags and, for ``code`` elements with a required binding, the allowed codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from kangtong.fhir.model.definitions import (
    FHIR_VERSION,
    DefinitionSet,
    JsonObject,
    load_definitions,
)
from kangtong.fhir.model.valuesets import UnexpandableValueSetError, ValueSetExpander

MODEL_FORMAT = 1
_FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_REGEX_EXTENSION = "http://hl7.org/fhir/StructureDefinition/regex"
_NESTED_TYPES = ("BackboneElement", "Element")
_JSON_TYPES = {
    "boolean": "boolean",
    "integer": "integer",
    "positiveInt": "integer",
    "unsignedInt": "integer",
    "decimal": "number",
}


class ModelBuilder:
    """Turns a :class:`DefinitionSet` into the JSON-ready structure model."""

    def __init__(self, definitions: DefinitionSet, expander: ValueSetExpander) -> None:
        self._definitions = definitions
        self._expander = expander
        self._expansions: dict[str, list[str] | None] = {}
        self.unexpanded_value_sets: dict[str, str] = {}

    def build(self) -> JsonObject:
        structures = self._definitions.structures.values()
        types: dict[str, JsonObject] = {}
        for structure in structures:
            if structure["kind"] != "primitive-type":
                types.update(self._structure_types(structure))
        return {
            "format": MODEL_FORMAT,
            "fhirVersion": FHIR_VERSION,
            "resourceTypes": sorted(
                s["id"] for s in structures if s["kind"] == "resource" and not s.get("abstract")
            ),
            "primitiveTypes": {
                s["id"]: primitive_type(s) for s in structures if s["kind"] == "primitive-type"
            },
            "types": types,
            "unexpandedValueSets": dict(sorted(self.unexpanded_value_sets.items())),
            "droppedVendorElements": sorted(self._definitions.dropped_vendor_elements),
            "restoredElements": sorted(self._definitions.restored_elements),
            "skippedStructures": sorted(self._definitions.skipped_structures),
        }

    def _structure_types(self, structure: JsonObject) -> dict[str, JsonObject]:
        """The structure itself plus one type per BackboneElement, each with its elements."""
        name = structure["id"]
        elements = structure["_officialElements"]
        children: dict[str, list[JsonObject]] = defaultdict(list)
        for element in elements:
            if "." in element["path"]:
                children[element["path"].rsplit(".", 1)[0]].append(element)
        kind = "resource" if structure["kind"] == "resource" else "complex-type"
        types: dict[str, JsonObject] = {}
        for parent_path, members in children.items():
            entry: JsonObject = {"kind": kind if parent_path == name else "backbone"}
            if parent_path == name and structure.get("abstract"):
                entry["abstract"] = True
            entry["elements"] = [self._element(e, structure, children) for e in members]
            types[parent_path] = entry
        return types

    def _element(
        self, element: JsonObject, structure: JsonObject, children: dict[str, list[JsonObject]]
    ) -> JsonObject:
        path: str = element["path"]
        name = path.rsplit(".", 1)[1]
        type_codes = element_type_codes(element, structure, has_children=path in children)
        entry: JsonObject = {"name": name, "path": path, "keys": json_keys(name, type_codes)}
        entry["min"] = element.get("min", 0)
        entry["max"] = element.get("max", "*")
        if element.get("isSummary"):
            entry["summary"] = True
        if element.get("isModifier"):
            entry["modifier"] = True
        binding = element.get("binding", {})
        if binding.get("strength") == "required" and "code" in type_codes:
            entry["binding"] = binding["valueSet"].split("|")[0]
            codes = self._required_codes(binding["valueSet"])
            if codes is not None:
                entry["codes"] = codes
        return entry

    def _required_codes(self, canonical: str) -> list[str] | None:
        url = canonical.split("|")[0]
        if url not in self._expansions:
            try:
                self._expansions[url] = sorted(self._expander.expand(url))
            except UnexpandableValueSetError as reason:
                self._expansions[url] = None
                self.unexpanded_value_sets[url] = str(reason)
        return self._expansions[url]


def element_type_codes(
    element: JsonObject, structure: JsonObject, *, has_children: bool
) -> list[str]:
    """FHIR type names of an element; nested elements get their path as type name."""
    reference = element.get("contentReference")
    if reference:
        return [reference.removeprefix("#").split("#")[-1]]
    if _is_resource_id(element, structure):
        return ["id"]  # FHIR R4 §Resource: "id 0..1 id" (the snapshot says System.String)
    codes = []
    for type_ref in element.get("type", []):
        code = type_ref["code"]
        if code.startswith("http://hl7.org/fhirpath/System."):
            code = _fhir_type_of_system_type(type_ref)
        if code in _NESTED_TYPES and has_children:
            code = element["path"]
        codes.append(code)
    return codes


def _is_resource_id(element: JsonObject, structure: JsonObject) -> bool:
    base_path = element.get("base", {}).get("path")
    return bool(structure["kind"] == "resource" and base_path == "Resource.id")


def _fhir_type_of_system_type(type_ref: JsonObject) -> str:
    for extension in type_ref.get("extension", []):
        if extension["url"] == _FHIR_TYPE_EXTENSION:
            return str(extension["valueUrl"])
    return "string"


def json_keys(name: str, type_codes: list[str]) -> dict[str, str]:
    """JSON property names of an element mapped to their type (``value[x]`` → ``valueQuantity``)."""
    if not name.endswith("[x]"):
        return {name: type_codes[0]} if type_codes else {}
    stem = name[:-3]
    return {stem + code[0].upper() + code[1:]: code for code in type_codes}


def primitive_type(structure: JsonObject) -> JsonObject:
    """JSON type, regular expression and limits of a primitive type."""
    value_element = next(
        e for e in structure["snapshot"]["element"] if e["path"] == f"{structure['id']}.value"
    )
    entry: JsonObject = {"json": _JSON_TYPES.get(structure["id"], "string")}
    for type_ref in value_element.get("type", []):
        for extension in type_ref.get("extension", []):
            if extension["url"] == _REGEX_EXTENSION:
                entry["regex"] = extension["valueString"]
    for key in ("maxLength", "minValueInteger", "maxValueInteger"):
        if key in value_element:
            entry[key] = value_element[key]
    return entry


def build_model(definitions_directory: Path) -> JsonObject:
    """Build the model from a directory holding the R4 definition bundles."""
    definitions = load_definitions(definitions_directory)
    expander = ValueSetExpander.from_directory(definitions_directory)
    return ModelBuilder(definitions, expander).build()


def write_model(model: JsonObject, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp")
    temporary.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), "utf-8")
    temporary.replace(out)


def _summary(model: JsonObject) -> str:
    return (
        f"{len(model['resourceTypes'])} resource types, {len(model['types'])} types, "
        f"{len(model['unexpandedValueSets'])} required value sets not expanded, "
        f"{len(model['droppedVendorElements'])} vendor elements dropped, "
        f"{len(model['restoredElements'])} R4 elements restored, "
        f"skipped non-R4 structures: {', '.join(model['skippedStructures']) or 'none'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--definitions", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    arguments: Any = parser.parse_args(argv)
    model = build_model(arguments.definitions)
    write_model(model, arguments.out)
    print(f"wrote {arguments.out}: {_summary(model)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
