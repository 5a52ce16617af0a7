"""`_elements` and `_summary`: return part of each resource, marked SUBSETTED."""

from __future__ import annotations

from collections.abc import Iterable

from kangtong.core.jsonutil import JsonObject

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
}
ALWAYS = ("resourceType", "id", "meta")


def keep_elements(resource: JsonObject, elements: Iterable[str]) -> JsonObject:
    wanted = set(elements)
    subset = {k: v for k, v in resource.items() if k in ALWAYS or k in wanted}
    return _mark(subset)


def summary(resource: JsonObject, mode: str, summary_keys: frozenset[str]) -> JsonObject:
    if mode == "false":
        return resource
    if mode == "text":
        subset = {k: v for k, v in resource.items() if k in ALWAYS or k == "text"}
    elif mode == "data":
        subset = {k: v for k, v in resource.items() if k != "text"}
    else:  # "true"
        subset = {k: v for k, v in resource.items() if k in ALWAYS or k in summary_keys}
    return _mark(subset)


def _mark(resource: JsonObject) -> JsonObject:
    meta = dict(resource.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    resource["meta"] = meta
    return resource
