"""Extract every search-index row of a resource at write time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kangtong.fhir.fhirpath import FhirPathError
from kangtong.fhir.search.definitions import SearchParam, SearchParamRegistry
from kangtong.fhir.search.params import (
    composite,
    date,
    number,
    quantity,
    reference,
    string,
    token,
    uri,
)
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.store.index_rows import IndexRows

Extractor = Callable[[SearchParam, list[TypedValue], IndexRows, SearchContext], None]

EXTRACTORS: dict[str, Extractor] = {
    "token": token.extract,
    "string": string.extract,
    "date": date.extract,
    "number": number.extract,
    "quantity": quantity.extract,
    "reference": reference.extract,
    "uri": uri.extract,
    "composite": composite.extract,
}


class ResourceIndexer:
    """Turns a resource into index rows for all of its type's search parameters."""

    def __init__(self, registry: SearchParamRegistry, ctx: SearchContext) -> None:
        self._registry = registry
        self._ctx = ctx
        self._plans: dict[str, list[tuple[SearchParam, Extractor]]] = {}

    def _plan(self, resource_type: str) -> list[tuple[SearchParam, Extractor]]:
        plan = self._plans.get(resource_type)
        if plan is None:
            plan = [
                (param, EXTRACTORS[param.type])
                for param in self._registry.for_type(resource_type).values()
                if param.indexed and param.type in EXTRACTORS
            ]
            self._plans[resource_type] = plan
        return plan

    def index(self, resource: Mapping[str, Any]) -> IndexRows:
        rows = IndexRows()
        for param, extract in self._plan(resource["resourceType"]):
            assert param.path is not None
            try:
                values = param.path.evaluate_typed(resource)
            except FhirPathError:
                continue  # e.g. a singleton expected where data has several: not indexable
            if values:
                extract(param, values, rows, self._ctx)
        return rows
