"""Reference parameters: `Patient/123`, `123` (with :Type), absolute URLs and canonicals."""

from __future__ import annotations

import re

from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.store.criteria import ReferenceCriterion
from kangtong.store.index_rows import IndexRows, ReferenceRow

_RELATIVE = re.compile(
    r"(?:(?P<base>.*?)/)??(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?"
)


def split_reference(
    reference: str, base_url: str = ""
) -> tuple[str | None, str | None, str | None]:
    """(type, id, url): local references give type and id; others keep their URL."""
    if reference.startswith(("#", "urn:")):
        return None, None, reference if reference.startswith("urn:") else None
    match = _RELATIVE.fullmatch(reference)
    if match is None:
        return None, None, reference
    base = match.group("base")
    if base and base.rstrip("/") != base_url.rstrip("/"):
        return match.group("type"), match.group("id"), reference
    return match.group("type"), match.group("id"), None


def reference_rows(key: int, value: object, base_url: str) -> list[ReferenceRow]:
    if isinstance(value, str):  # canonical or uri used as a reference
        rows: list[ReferenceRow] = [(key, None, None, value[:2048])]
        unversioned = value.split("|", 1)[0]
        if unversioned != value:  # url|version also matches the url alone (R4 §3.1.1.4.9)
            rows.append((key, None, None, unversioned[:2048]))
        target_type, target_id, url = split_reference(unversioned, base_url)
        if target_type and target_id and url is None:  # a canonical on this server's own base
            rows.append((key, target_type, target_id, None))
        return rows
    if not isinstance(value, dict) or not isinstance(value.get("reference"), str):
        return []
    if value["reference"].startswith("#"):  # a contained resource: present, not searchable by id
        return [(key, None, None, value["reference"][:2048])]
    target_type, target_id, url = split_reference(value["reference"], base_url)
    if target_type is None and url is None:
        return []
    return [(key, target_type, target_id, url)]


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    for value, _type in values:
        rows.reference.extend(reference_rows(param.key, value, ctx.base_url))


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> ReferenceCriterion:
    if modifier == "identifier":
        raise Invalid(f"The modifier :identifier is not supported on {param.code} yet")
    type_filter = None
    if modifier:
        if not modifier[:1].isupper():
            raise Invalid(
                f"The modifier :{modifier} is not supported on the reference {param.code}"
            )
        type_filter = modifier
    if value.startswith(("http://", "https://", "urn:")):
        target_type, target_id, url = split_reference(value, ctx.base_url)
        if url is not None:
            return ReferenceCriterion(param.stored, url=value)
        return ReferenceCriterion(param.stored, target_id=target_id, target_type=target_type)
    if "/" in value:
        target_type, _, target_id = value.partition("/")
        return ReferenceCriterion(param.stored, target_id=target_id, target_type=target_type)
    return ReferenceCriterion(param.stored, target_id=value, target_type=type_filter)
