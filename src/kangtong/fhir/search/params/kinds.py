"""The search-parameter types kangtong implements, each with its indexer and its value parser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kangtong.fhir.search.definitions import SearchParam
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
from kangtong.store.criteria import Criterion
from kangtong.store.index_rows import IndexRows

Extractor = Callable[[SearchParam, list[TypedValue], IndexRows, SearchContext], None]
CriterionParser = Callable[[SearchParam, str, str | None, SearchContext], Criterion]


@dataclass(frozen=True)
class ParamKind:
    extract: Extractor  # typed values → index rows, at write time
    criterion: CriterionParser  # one search value → a store criterion, at search time


KINDS: dict[str, ParamKind] = {
    "token": ParamKind(token.extract, token.criterion),
    "string": ParamKind(string.extract, string.criterion),
    "date": ParamKind(date.extract, date.criterion),
    "number": ParamKind(number.extract, number.criterion),
    "quantity": ParamKind(quantity.extract, quantity.criterion),
    "reference": ParamKind(reference.extract, reference.criterion),
    "uri": ParamKind(uri.extract, uri.criterion),
    "composite": ParamKind(composite.extract, composite.criterion),
}
