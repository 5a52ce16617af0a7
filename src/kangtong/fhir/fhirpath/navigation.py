"""Steps from a collection to its children: ``.name``, choice elements and type filters.

Every step is built once, at compile time, specialised on what is known statically: when the
parent's FHIR type is known and the type model knows the child, a step is one dict lookup per
item with the child's type fixed; otherwise the child's type is worked out per item, and a missing
key is looked for as a choice element (``value`` -> ``valueQuantity``).
"""

from __future__ import annotations

from typing import Any

from kangtong.fhir.fhirpath.runtime import Collection, Step
from kangtong.fhir.fhirpath.types import (
    Item,
    TypeModel,
    choice_keys,
    choice_suffix_of_type,
    specialisations_of,
    value_is_of_type,
)

_RESOURCE_TYPES = frozenset({"Resource", "DomainResource"})


def member_step(
    name: str, parent_type: str | None, type_model: TypeModel | None
) -> tuple[Step, str | None]:
    """The step for ``.name`` and the static type of its items (None when it varies)."""
    if type_model is not None and parent_type is not None:
        child_type = type_model.element_type(parent_type, name)
        if child_type in _RESOURCE_TYPES:
            return _resource_step(name), None
        if child_type is not None:
            return _known_step(name, child_type), child_type
    return _dynamic_step(name, type_model), None


def _known_step(name: str, child_type: str) -> Step:
    def step(items: Collection) -> Collection:
        out: Collection = []
        for value, _ in items:
            if isinstance(value, dict):
                child = value.get(name)
                if child is None:
                    continue
                if isinstance(child, list):
                    out.extend([(each, child_type) for each in child if each is not None])
                else:
                    out.append((child, child_type))
        return out

    return step


def _resource_step(name: str) -> Step:
    """A step to contained/inline resources, typed by each one's ``resourceType``."""

    def step(items: Collection) -> Collection:
        out: Collection = []
        for value, _ in items:
            if isinstance(value, dict):
                child = value.get(name)
                for each in child if isinstance(child, list) else (child,):
                    if isinstance(each, dict):
                        out.append((each, each.get("resourceType")))
        return out

    return step


def _dynamic_step(name: str, type_model: TypeModel | None) -> Step:
    """A step whose child types are found per item; a missing key may be a choice element."""
    candidates = choice_keys(name)

    def step(items: Collection) -> Collection:
        out: Collection = []
        for value, value_type in items:
            if not isinstance(value, dict):
                continue
            child = value.get(name)
            if child is None:
                # A C-level set intersection: far cheaper than testing each key in Python.
                for key in value.keys() & candidates.keys():
                    _append(out, value[key], candidates[key])
                continue
            child_type = _child_type(value, value_type, name, type_model)
            if isinstance(child, list):
                out.extend(
                    [(each, child_type or _own_type(each)) for each in child if each is not None]
                )
            else:
                out.append((child, child_type or _own_type(child)))
        return out

    return step


def _child_type(
    parent: dict[str, Any], parent_type: str | None, name: str, type_model: TypeModel | None
) -> str | None:
    if type_model is None:
        return None
    if parent_type is None:
        parent_type = parent.get("resourceType")
        if not isinstance(parent_type, str):
            return None
    child_type = type_model.element_type(parent_type, name)
    return None if child_type in _RESOURCE_TYPES else child_type


def _own_type(value: Any) -> str | None:
    """The type an inline resource declares; None for anything else."""
    if isinstance(value, dict):
        resource_type = value.get("resourceType")
        return resource_type if isinstance(resource_type, str) else None
    return None


def typed_member_step(
    name: str, wanted: str, parent_type: str | None, type_model: TypeModel | None
) -> Step:
    """The fused step for ``name.ofType(T)`` / ``name as T``: read ``nameT`` directly.

    Also accepts a plain ``name`` element whose type is (a specialisation of) ``wanted``.
    """
    wanted_keys = tuple(
        (name + choice_suffix_of_type(each), each) for each in specialisations_of(wanted)
    )

    def step(items: Collection) -> Collection:
        out: Collection = []
        for value, value_type in items:
            if not isinstance(value, dict):
                continue
            for key, key_type in wanted_keys:
                child = value.get(key)
                if child is not None:
                    _append(out, child, key_type)
            plain = value.get(name)
            if plain is not None:
                plain_type = _child_type(value, value_type or parent_type, name, type_model)
                for each in plain if isinstance(plain, list) else (plain,):
                    if each is not None and value_is_of_type(each, plain_type, wanted):
                        out.append((each, plain_type or _own_type(each)))
        return out

    return step


def _append(out: Collection, child: Any, child_type: str) -> None:
    if child is None:
        return
    if isinstance(child, list):
        out.extend([(each, child_type) for each in child if each is not None])
    else:
        out.append((child, child_type))


def type_filter_step(wanted: str) -> Step:
    """The step for ``ofType(T)`` on an arbitrary collection."""

    def step(items: Collection) -> Collection:
        return [item for item in items if value_is_of_type(item[0], item[1], wanted)]

    return step


def _any_resource_step(items: Collection) -> Collection:
    return [item for item in items if isinstance(item[0], dict) and "resourceType" in item[0]]


def root_type_step(type_name: str) -> Step:
    """``Observation`` at the start of a path: keep the focus only if it is an Observation."""
    if type_name in _RESOURCE_TYPES:
        return _any_resource_step

    def is_of_type(item: Item) -> bool:
        return item[1] == type_name or (
            isinstance(item[0], dict) and item[0].get("resourceType") == type_name
        )

    def step(items: Collection) -> Collection:
        if len(items) == 1:  # the usual case: the resource at the root
            return items if is_of_type(items[0]) else []
        return [item for item in items if is_of_type(item)]

    return step
