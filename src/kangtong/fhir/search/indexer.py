"""Extract every search-index row of a resource at write time."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kangtong.fhir.fhirpath import FhirPathError
from kangtong.fhir.search.definitions import SearchParam, SearchParamRegistry
from kangtong.fhir.search.member_paths import ElementLookup, MemberPathWalker
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.fhir.search.params.kinds import KINDS, Extractor
from kangtong.store.index_rows import IndexRows

# JSON keys an element may appear under in a resource type: ("Observation", "value") →
# {"valueQuantity", "valueString", …}. Empty when unknown.
ElementKeys = Callable[[str, str], frozenset[str]]
_LEADING_NAME = re.compile(r"\(*([a-z][A-Za-z0-9]*)")


_AS_TYPE = re.compile(r"([a-z][A-Za-z0-9]*)\s*(?:\.as\(|\s+as\s+)([A-Za-z]+)")


@dataclass(frozen=True, slots=True)
class _Step:
    param: SearchParam
    extract: Extractor
    evaluate: Callable[[Mapping[str, Any]], list[TypedValue]]
    # Skip unless, for every key set, one of its keys is in the resource (None: never skip).
    guard: tuple[frozenset[str], ...] | None
    walker: MemberPathWalker | None = None  # set when `evaluate` is a direct JSON walk


class _Dispatch:
    """The steps of one resource type, reachable from the root keys that can trigger them."""

    def __init__(self, plan: list[_Step]) -> None:
        self._always = [(i, s) for i, s in enumerate(plan) if s.guard is None]
        self._by_key: dict[str, list[tuple[int, _Step]]] = {}
        for i, step in enumerate(plan):
            if step.guard is not None:
                for key in step.guard[0]:
                    self._by_key.setdefault(key, []).append((i, step))

    def steps_for(self, resource: Mapping[str, Any]) -> list[_Step]:
        """Steps whose guards all pass, in plan order, each once."""
        chosen: dict[int, _Step] = dict(self._always)
        present: set[str] | None = None
        for key in resource:
            for i, step in self._by_key.get(key, ()):
                if i in chosen:
                    continue
                guard = step.guard
                if guard is not None and len(guard) > 1:
                    present = present if present is not None else set(resource)
                    if any(k.isdisjoint(present) for k in guard[1:]):
                        continue
                chosen[i] = step
        return [chosen[i] for i in sorted(chosen)]


class ResourceIndexer:
    """Turns a resource into index rows for all of its type's search parameters.

    Most parameters of a type read elements a given resource does not have; each parameter
    is guarded by the JSON keys of the root elements its expression starts from, so absent
    ones cost one set intersection instead of a FHIRPath evaluation.
    """

    def __init__(
        self,
        registry: SearchParamRegistry,
        ctx: SearchContext,
        element_keys: ElementKeys | None = None,
        element_lookup: ElementLookup | None = None,
    ) -> None:
        self._registry = registry
        self._ctx = ctx
        self._element_keys = element_keys
        self._element_lookup = element_lookup
        self._plans: dict[str, list[_Step]] = {}
        self._dispatches: dict[str, _Dispatch] = {}

    def _plan(self, resource_type: str) -> list[_Step]:
        plan = self._plans.get(resource_type)
        if plan is None:
            plan = []
            for param in self._registry.for_type(resource_type).values():
                if not (param.indexed and param.type in KINDS):
                    continue
                evaluate = self._evaluator(param, resource_type)
                first_keys = (
                    evaluate.first_keys() if isinstance(evaluate, MemberPathWalker) else None
                )
                guard = (
                    (first_keys,) if first_keys is not None else self._guard(param, resource_type)
                )
                walker = evaluate if isinstance(evaluate, MemberPathWalker) else None
                self._attach_component_walkers(param, resource_type)
                plan.append(_Step(param, KINDS[param.type].extract, evaluate, guard, walker))
            self._plans[resource_type] = plan
        return plan

    def _attach_component_walkers(self, param: SearchParam, resource_type: str) -> None:
        if self._element_lookup is None:
            return
        for component in param.components:
            chains = component.path.member_chains(None, relative=True)
            if chains is not None and component.walker is None:
                component.walker = MemberPathWalker(chains, resource_type, self._element_lookup)

    def _evaluator(
        self, param: SearchParam, resource_type: str
    ) -> Callable[[Mapping[str, Any]], list[TypedValue]]:
        path = param.path
        assert path is not None
        chains = path.member_chains(resource_type) if self._element_lookup else None
        if chains is not None and self._element_lookup is not None:
            return MemberPathWalker(chains, resource_type, self._element_lookup)
        return path.evaluate_typed

    def _guard(self, param: SearchParam, resource_type: str) -> tuple[frozenset[str], ...] | None:
        if self._element_keys is None or param.path is None:
            return None
        if param.expression == resource_type and param.components:
            # A composite over the resource itself needs every component present.
            guards = [
                self._component_keys(resource_type, c.path.expression) for c in param.components
            ]
            return (
                None
                if any(g is None for g in guards)
                else tuple(g for g in guards if g is not None)
            )
        names = param.path.leading_elements(resource_type)
        keys = self._keys_of(resource_type, names)
        return None if keys is None else (keys,)

    def _keys_of(self, resource_type: str, names: frozenset[str] | None) -> frozenset[str] | None:
        if names is None or self._element_keys is None:
            return None
        keys: set[str] = set()
        for name in names:
            found = self._element_keys(resource_type, name)
            if not found:
                return None  # unknown element: evaluate rather than risk missing values
            keys |= found
        return frozenset(keys)

    def _component_keys(self, resource_type: str, expression: str) -> frozenset[str] | None:
        """`value.as(Quantity) | value.as(Range)` → {valueQuantity, valueRange}; `code` → {code}."""
        typed = _AS_TYPE.findall(expression)
        if typed:
            return frozenset(
                name + type_name[:1].upper() + type_name[1:] for name, type_name in typed
            )
        match = _LEADING_NAME.match(expression)
        return self._keys_of(resource_type, frozenset({match.group(1)}) if match else None)

    def _dispatch(self, resource_type: str) -> _Dispatch:
        dispatch = self._dispatches.get(resource_type)
        if dispatch is None:
            dispatch = _Dispatch(self._plan(resource_type))
            self._dispatches[resource_type] = dispatch
        return dispatch

    def index(self, resource: Mapping[str, Any]) -> IndexRows:
        rows = IndexRows()
        memo: dict[Any, list[TypedValue]] = {}
        for step in self._dispatch(resource["resourceType"]).steps_for(resource):
            try:
                walker = step.walker
                values = walker(resource, memo) if walker is not None else step.evaluate(resource)
            except FhirPathError:
                continue  # e.g. a singleton expected where data has several: not indexable
            if values:
                step.extract(step.param, values, rows, self._ctx)
        return rows
