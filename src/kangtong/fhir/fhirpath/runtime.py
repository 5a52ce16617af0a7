"""What compiled FHIRPath closures share at evaluation time: the environment and collections.

A compiled expression is an :data:`Evaluator`: ``evaluator(focus, env) -> collection``, where
``focus`` is the collection a term starts from (the resource at the top, ``$this`` inside
``where``/``select``) and every collection is a list of :data:`Item` (value, FHIR type or None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kangtong.fhir.fhirpath.errors import FhirPathError
from kangtong.fhir.fhirpath.types import Item, infer_type

Collection = list[Item]


class Env:
    """Per-evaluation state: the root resource, %variables, and ``$index`` of an iteration."""

    __slots__ = ("index", "root", "variables")

    def __init__(self, root: Item, variables: Mapping[str, Any]) -> None:
        self.root = root
        self.variables = variables
        self.index = 0


Evaluator = Callable[[Collection, Env], Collection]
#: A path step that needs no environment: ``.name``, a type filter.
Step = Callable[[Collection], Collection]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled sub-expression and the FHIR type of its items when known at compile time.

    When the expression is a path (``head`` followed by ``steps``; no head means the focus), the
    parts are kept so that a longer path can be fused into one closure rather than nested ones.
    """

    evaluate: Evaluator
    static_type: str | None = None
    head: Evaluator | None = None
    steps: tuple[Step, ...] = ()


def nothing(focus: Collection, env: Env) -> Collection:
    """The evaluator of ``{}``."""
    return []


def focus_itself(focus: Collection, env: Env) -> Collection:
    """The evaluator of ``$this``."""
    return focus


def constant(items: Collection) -> Evaluator:
    """An evaluator that always yields ``items`` (callers must not mutate the result)."""

    def evaluate(focus: Collection, env: Env) -> Collection:
        return items

    return evaluate


def as_items(value: Any) -> Collection:
    """A Python value (None, a scalar, or a list of them) as a FHIRPath collection."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [(each, infer_type(each)) for each in value if each is not None]
    return [(value, infer_type(value))]


def singleton(items: Collection, what: str) -> Item | None:
    """The only item of ``items``, None when empty; an error when there are several."""
    if not items:
        return None
    if len(items) > 1:
        raise FhirPathError(f"{what} expects a single item but got {len(items)}")
    return items[0]


def singleton_boolean(items: Collection, what: str) -> bool | None:
    """Singleton evaluation of a collection as a Boolean (FHIRPath N1 §4.5)."""
    item = singleton(items, what)
    if item is None:
        return None
    value = item[0]
    return value if isinstance(value, bool) else True


def boolean_result(value: bool | None) -> Collection:
    """A Boolean (or empty, for None) as a collection."""
    if value is None:
        return []
    return [(True, "boolean")] if value else [(False, "boolean")]


def values_equal(left: Any, right: Any) -> bool:
    """Value equality used for de-duplication (union, distinct)."""
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def distinct_items(items: Collection) -> Collection:
    """``items`` without later duplicates (by value), keeping the first type seen."""
    if len(items) < 2:
        return items
    kept: Collection = []
    seen_hashable: set[tuple[type, Any]] = set()
    for item in items:
        value = item[0]
        if isinstance(value, str | int | float):
            key = (
                bool if isinstance(value, bool) else str if isinstance(value, str) else float,
                value,
            )
            if key in seen_hashable:
                continue
            seen_hashable.add(key)
        elif any(value is other or values_equal(value, other) for other, _ in kept):
            continue
        kept.append(item)
    return kept
