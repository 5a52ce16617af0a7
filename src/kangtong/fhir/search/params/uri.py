"""URI parameters (uri, url, canonical, oid, uuid): exact by default, `:below`, `:above`."""

from __future__ import annotations

from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.fhir.search.params.escape import split_unescaped
from kangtong.store.criteria import UriCriterion
from kangtong.store.index_rows import IndexRows


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    for value, _type in values:
        if isinstance(value, str) and value:
            rows.uri.append((param.key, value[:512]))


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> UriCriterion:
    text = split_unescaped(value, "\x00")[0]
    if modifier == "below":
        return UriCriterion(param.stored, text, "below")
    if modifier == "above":
        return UriCriterion(param.stored, text, "above")
    if modifier:
        raise Invalid(
            f"The modifier :{modifier} is not supported on the uri parameter {param.code}"
        )
    return UriCriterion(param.stored, text)
