"""Checkers for one JSON property of a FHIR object, built once per element and JSON key.

A field check is called as ``check(value, owner, owner_path, key, issues)``: ``owner`` is the JSON
object holding ``key`` (needed to line up ``given`` with ``_given``), and the element's own path,
``f"{owner_path}.{key}"``, is only built when it is needed, because most values are valid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kangtong.fhir.model.issues import Issues, error, json_kind, shown
from kangtong.fhir.model.primitives import PrimitiveRule, free_of_controls, is_calendar_date
from kangtong.fhir.model.structure import ElementDef

ObjectCheck = Callable[[dict[str, Any], str, Issues], None]
FieldCheck = Callable[[Any, dict[str, Any], str, str, Issues], None]


def accept_anything(value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues) -> None:
    """For ``resourceType``, already used to choose the resource's checker."""


def single_object_field(check_object: ObjectCheck, type_name: str) -> FieldCheck:
    def check_single_object(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        if type(value) is dict:
            check_object(value, f"{path}.{key}", issues)
        else:
            _wrong_single_value(value, f"{path}.{key}", f"a JSON object ({type_name})", issues)

    return check_single_object


def repeating_object_field(
    check_object: ObjectCheck, type_name: str, element: ElementDef
) -> FieldCheck:
    def check_repeating_objects(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        if type(value) is not list or not value:
            _not_a_filled_array(value, f"{path}.{key}", issues)
            return
        base = f"{path}.{key}"
        for index, item in enumerate(value):
            if type(item) is dict:
                check_object(item, f"{base}[{index}]", issues)
            else:
                _wrong_item(item, f"{base}[{index}]", f"a JSON object ({type_name})", issues)
        _check_count(value, element, base, issues)

    return check_repeating_objects


def single_primitive_field(
    rule: PrimitiveRule, codes: frozenset[str] | None, binding: str | None
) -> FieldCheck:
    """Valid text and pattern values are accepted inline; anything else goes the slow way."""
    if rule.kind == "text":
        return _single_text_field(rule, binding)
    if rule.kind == "pattern":
        return _single_pattern_field(rule, codes, binding)
    check_value = rule.check

    def check_single_primitive(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        problem = check_value(value)
        if problem is not None:
            _bad_primitive(value, problem, f"{path}.{key}", issues)
        elif codes is not None and value not in codes:
            _code_not_in_value_set(value, binding, f"{path}.{key}", issues)

    return check_single_primitive


def _single_text_field(rule: PrimitiveRule, binding: str | None) -> FieldCheck:
    max_length = rule.max_length

    def check_single_text(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        if (
            type(value) is not str
            or not 0 < len(value) <= max_length
            or not free_of_controls(value)
        ):
            _report_primitive(value, rule, None, binding, f"{path}.{key}", issues)

    return check_single_text


def _single_pattern_field(
    rule: PrimitiveRule, codes: frozenset[str] | None, binding: str | None
) -> FieldCheck:
    matches = rule.matches
    is_date = rule.is_date

    def check_single_pattern(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        if (
            type(value) is str
            and value
            and matches(value) is not None
            and (codes is None or value in codes)
            and (not is_date or value[8:10] <= "28" or is_calendar_date(value))
        ):
            return
        _report_primitive(value, rule, codes, binding, f"{path}.{key}", issues)

    return check_single_pattern


def _report_primitive(
    value: Any,
    rule: PrimitiveRule,
    codes: frozenset[str] | None,
    binding: str | None,
    path: str,
    issues: Issues,
) -> None:
    problem = rule.check(value)
    if problem is not None:
        _bad_primitive(value, problem, path, issues)
    elif codes is not None and value not in codes:
        _code_not_in_value_set(value, binding, path, issues)


def repeating_primitive_field(
    rule: PrimitiveRule, codes: frozenset[str] | None, element: ElementDef
) -> FieldCheck:
    check_value = rule.check

    def check_repeating_primitives(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        if type(value) is not list or not value:
            _not_a_filled_array(value, f"{path}.{key}", issues)
            return
        for index, item in enumerate(value):
            if item is None:
                if not _has_extension_at(owner, key, index):
                    _null_without_extension(f"{path}.{key}[{index}]", key, issues)
                continue
            problem = check_value(item)
            if problem is not None:
                _bad_primitive(item, problem, f"{path}.{key}[{index}]", issues)
            elif codes is not None and item not in codes:
                _code_not_in_value_set(item, element.binding, f"{path}.{key}[{index}]", issues)
        _check_count(value, element, f"{path}.{key}", issues)

    return check_repeating_primitives


def single_primitive_extension_field(check_element: ObjectCheck) -> FieldCheck:
    """``_birthDate``: an object with ``id`` and/or ``extension`` for the primitive's value."""

    def check_primitive_extension(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        if type(value) is dict:
            check_element(value, f"{path}.{key[1:]}", issues)
        else:
            expected = f"a JSON object with id/extension for {key}"
            _wrong_single_value(value, f"{path}.{key[1:]}", expected, issues)

    return check_primitive_extension


def repeating_primitive_extension_field(check_element: ObjectCheck) -> FieldCheck:
    """``_given``: an array aligned with ``given``, ``null`` where an entry has no extension."""

    def check_primitive_extensions(
        value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
    ) -> None:
        base_key = key[1:]
        base = f"{path}.{base_key}"
        if type(value) is not list or not value:
            _not_a_filled_array(value, base, issues)
            return
        values = owner.get(base_key)
        if values is not None and (type(values) is not list or len(values) != len(value)):
            error(issues, "structure", base, f"{key} must be an array as long as {base_key}")
            return
        for index, item in enumerate(value):
            if type(item) is dict:
                check_element(item, f"{base}[{index}]", issues)
            elif item is not None:
                expected = f"a JSON object or null in {key}"
                _wrong_item(item, f"{base}[{index}]", expected, issues)
            elif values is None or values[index] is None:
                _null_without_extension(f"{base}[{index}]", base_key, issues)

    return check_primitive_extensions


def _has_extension_at(owner: dict[str, Any], key: str, index: int) -> bool:
    extensions = owner.get("_" + key)
    return type(extensions) is list and index < len(extensions) and extensions[index] is not None


def _check_count(value: list[Any], element: ElementDef, path: str, issues: Issues) -> None:
    if element.max is not None and len(value) > element.max:
        error(issues, "structure", path, f"{len(value)} entries, at most {element.max} allowed")
    if len(value) < element.min:
        error(issues, "required", path, f"{len(value)} entries, at least {element.min} required")


def _wrong_single_value(value: Any, path: str, expected: str, issues: Issues) -> None:
    if type(value) is list:
        error(issues, "structure", path, "repeats at most once, so must not be a JSON array")
    elif value is None:
        error(issues, "structure", path, "null is not allowed (ele-1)")
    else:
        error(issues, "structure", path, f"expected {expected}, found {json_kind(value)}")


def _wrong_item(item: Any, path: str, expected: str, issues: Issues) -> None:
    if item is None:
        error(issues, "structure", path, "null is not allowed in this array (ele-1)")
    else:
        error(issues, "structure", path, f"expected {expected}, found {json_kind(item)}")


def _not_a_filled_array(value: Any, path: str, issues: Issues) -> None:
    if type(value) is list:
        error(issues, "structure", path, "arrays must not be empty (ele-1)")
    else:
        message = f"repeating element must be a JSON array, found {json_kind(value)}"
        error(issues, "structure", path, message)


def _bad_primitive(value: Any, problem: str, path: str, issues: Issues) -> None:
    if type(value) is list:
        error(issues, "structure", path, "repeats at most once, so must not be a JSON array")
    elif value is None:
        error(issues, "structure", path, "null is not allowed (ele-1)")
    elif type(value) is dict:
        error(issues, "structure", path, f"expected a primitive value, found object: {problem}")
    else:
        error(issues, "value", path, problem)


def _null_without_extension(path: str, key: str, issues: Issues) -> None:
    message = f"null is only allowed in {key} where _{key} has an extension at the same index"
    error(issues, "structure", path, message)


def _code_not_in_value_set(value: Any, binding: str | None, path: str, issues: Issues) -> None:
    message = f"code {shown(value)} is not in the required value set {binding}"
    error(issues, "code-invalid", path, message)
