"""Compile the structure model into one checker closure per type.

Each FHIR type becomes a dict from JSON key to a field check (see :mod:`.fields`) and one object
check that walks a JSON object's keys through that dict, then looks for missing required
elements, competing choice keys (``valueQuantity`` with ``valueString``) and, for ``Extension``,
the ext-1 invariant. Nothing consults the model while a resource is validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kangtong.fhir.model.fields import (
    FieldCheck,
    ObjectCheck,
    accept_anything,
    repeating_object_field,
    repeating_primitive_extension_field,
    repeating_primitive_field,
    single_object_field,
    single_primitive_extension_field,
    single_primitive_field,
)
from kangtong.fhir.model.issues import Issues, error, json_kind, shown
from kangtong.fhir.model.primitives import PrimitiveRule, compile_primitive_rule
from kangtong.fhir.model.structure import ElementDef, StructureModel, TypeDef
from kangtong.fhir.model.xhtml import check_narrative_div

# Primitives whose JSON form has no "_key" sibling (FHIR R4 §2.6.2: xhtml has no extensions).
_WITHOUT_PRIMITIVE_EXTENSION = frozenset({"xhtml"})


@dataclass(frozen=True, slots=True)
class ObjectRules:
    """What a type demands of a JSON object beyond its keys' own checks."""

    type_name: str
    is_resource: bool
    # (element path, the keys any of which satisfies it) for each element with min >= 1
    required: tuple[tuple[str, tuple[str, ...]], ...]
    # every key of every choice element, mapped to its element path, to notice competitors cheaply
    choice_element_of: dict[str, str]
    # (element path, its keys including "_" variants) for each choice element
    choice_groups: tuple[tuple[str, tuple[str, ...]], ...]
    # Extension's value[x] keys, for ext-1; empty for every other type
    extension_value_keys: frozenset[str]


class ValidatorCompiler:
    """Builds and holds the object checks of every type of a :class:`StructureModel`."""

    def __init__(self, model: StructureModel) -> None:
        self._model = model
        self._primitive_rules: dict[str, PrimitiveRule] = {
            name: compile_primitive_rule(definition)
            for name, definition in model.primitive_types.items()
        }
        self._object_checks: dict[str, ObjectCheck] = {}
        self.resource_checks: dict[str, ObjectCheck] = {
            name: self.object_check(name) for name in sorted(model.resource_types)
        }

    def check_resource(self, value: dict[str, Any], path: str, issues: Issues) -> None:
        """Validate a JSON object as whatever resource its ``resourceType`` names."""
        resource_type = value.get("resourceType")
        if type(resource_type) is str:
            check = self.resource_checks.get(resource_type)
            if check is not None:
                check(value, path or resource_type, issues)
                return
        _unknown_resource_type(resource_type, path, issues)

    def object_check(self, type_name: str) -> ObjectCheck:
        """The check of JSON objects of ``type_name``, compiled on first request."""
        known = self._object_checks.get(type_name)
        if known is not None:
            return known
        type_def = self._model.types[type_name]
        fields: dict[str, FieldCheck] = {}
        check = object_check(fields, object_rules(type_def, self._model))
        self._object_checks[type_name] = check  # before the fields: types can be recursive
        fields.update(self._field_checks(type_def))
        return check

    def _field_checks(self, type_def: TypeDef) -> dict[str, FieldCheck]:
        fields: dict[str, FieldCheck] = {}
        if type_def.kind == "resource":
            fields["resourceType"] = accept_anything
        for element in type_def.elements:
            for key, type_name in zip(element.json_keys, element.types, strict=True):
                fields.update(self._checks_for_key(element, key, type_name))
        return fields

    def _checks_for_key(
        self, element: ElementDef, key: str, type_name: str
    ) -> dict[str, FieldCheck]:
        primitive = self._primitive_rules.get(type_name)
        if primitive is not None:
            return self._primitive_checks_for_key(element, key, type_name, primitive)
        if type_name == "Resource":
            check: ObjectCheck = self.check_resource
        elif type_name in self._model.types:
            check = self.object_check(type_name)
        else:
            raise ValueError(f"{element.path} has type {type_name}, which the model lacks")
        if element.is_array:
            return {key: repeating_object_field(check, type_name, element)}
        return {key: single_object_field(check, type_name)}

    def _primitive_checks_for_key(
        self, element: ElementDef, key: str, type_name: str, primitive: PrimitiveRule
    ) -> dict[str, FieldCheck]:
        codes = element.required_codes if type_name == "code" else None
        checks: dict[str, FieldCheck] = {}
        extension_check = self.object_check("Element")
        if element.is_array:
            checks[key] = repeating_primitive_field(primitive, codes, element)
            checks["_" + key] = repeating_primitive_extension_field(extension_check)
        else:
            checks[key] = single_primitive_field(primitive, codes, element.binding)
            checks["_" + key] = single_primitive_extension_field(extension_check)
        if type_name in _WITHOUT_PRIMITIVE_EXTENSION:
            del checks["_" + key]
        if type_name == "xhtml":  # Narrative.div, never repeating: txt-1, txt-2 (`xhtml.py`)
            checks[key] = check_narrative_div
        return checks


def object_rules(type_def: TypeDef, model: StructureModel) -> ObjectRules:
    """The whole-object rules of a type, read from its element definitions."""
    required = []
    groups = []
    for element in type_def.elements:
        keys = _keys_with_extension_siblings(element, model)
        if element.min >= 1:
            required.append((element.path, keys))
        if element.is_choice:
            groups.append((element.path, keys))
    extension_value_keys: frozenset[str] = frozenset()
    if type_def.name == "Extension":
        extension_value_keys = frozenset(key for path, keys in groups for key in keys)
    return ObjectRules(
        type_name=type_def.name,
        is_resource=type_def.kind == "resource",
        required=tuple(required),
        choice_element_of={key: path for path, keys in groups for key in keys},
        choice_groups=tuple(groups),
        extension_value_keys=extension_value_keys,
    )


def _keys_with_extension_siblings(element: ElementDef, model: StructureModel) -> tuple[str, ...]:
    keys = list(element.json_keys)
    for key, type_name in zip(element.json_keys, element.types, strict=True):
        if model.is_primitive_type(type_name) and type_name not in _WITHOUT_PRIMITIVE_EXTENSION:
            keys.append("_" + key)
    return tuple(keys)


def object_check(fields: dict[str, FieldCheck], rules: ObjectRules) -> ObjectCheck:
    """The closure that validates one JSON object of a type (``fields`` may still be filling)."""
    required = rules.required
    choice_element_of = rules.choice_element_of
    choice_keys = frozenset(choice_element_of)
    is_resource = rules.is_resource
    is_extension = bool(rules.extension_value_keys)

    def check_object(value: dict[str, Any], path: str, issues: Issues) -> None:
        if not is_resource and (not value or (len(value) == 1 and "id" in value)):
            error(issues, "invariant", path, "element must have a value or children (ele-1)")
        for key, item in value.items():
            try:
                check_field = fields[key]
            except KeyError:
                _unknown_property(key, fields, rules.type_name, path, issues)
                continue
            check_field(item, value, path, key, issues)
        for element_path, keys in required:
            for key in keys:
                if key in value:
                    break
            else:
                _missing(element_path, path, issues)
        if choice_keys:
            present = choice_keys.intersection(value)
            if len(present) > 1 and len({choice_element_of[k] for k in present}) < len(present):
                _check_choice_groups(value, rules, path, issues)
        if is_extension:
            _check_extension_invariant(value, rules, path, issues)

    return check_object


def _unknown_property(
    key: str, fields: dict[str, FieldCheck], type_name: str, path: str, issues: Issues
) -> None:
    if key == "fhir_comments":
        message = "fhir_comments is not allowed in FHIR R4 JSON"
    elif key == "resourceType":
        message = f"resourceType is only allowed on resources, not in {type_name}"
    elif key.startswith("_") and key[1:] in fields:
        message = f"{key}: only primitive elements have a '_' sibling, {key[1:]} is not one"
    else:
        message = f"unknown property {key!r} of {type_name}"
    error(issues, "structure", f"{path}.{key}", message)


def _missing(element_path: str, path: str, issues: Issues) -> None:
    name = element_path.rsplit(".", 1)[1]
    message = f"missing required element {name!r} (minimum cardinality 1)"
    error(issues, "required", f"{path}.{name.removesuffix('[x]')}", message)


def _check_choice_groups(
    value: dict[str, Any], rules: ObjectRules, path: str, issues: Issues
) -> None:
    for element_path, keys in rules.choice_groups:
        present = sorted({key.lstrip("_") for key in keys if key in value})
        if len(present) > 1:
            name = element_path.rsplit(".", 1)[1]
            message = f"only one of {name} may be present, found {', '.join(present)}"
            error(issues, "structure", f"{path}.{name.removesuffix('[x]')}", message)


def _check_extension_invariant(
    value: dict[str, Any], rules: ObjectRules, path: str, issues: Issues
) -> None:
    has_value = not rules.extension_value_keys.isdisjoint(value)
    if has_value == ("extension" in value):
        message = "an extension must have either extensions or a value[x], not both (ext-1)"
        error(issues, "invariant", path, message)


def _unknown_resource_type(resource_type: Any, path: str, issues: Issues) -> None:
    if resource_type is None:
        error(issues, "structure", path or "Resource", "missing resourceType")
    elif type(resource_type) is not str:
        message = f"resourceType must be a string, found {json_kind(resource_type)}"
        error(issues, "structure", path or "Resource", message)
    else:
        message = f"unknown resource type {shown(resource_type)} (not a FHIR R4 resource)"
        error(issues, "not-supported", path or "Resource", message)
