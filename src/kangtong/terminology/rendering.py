"""The ValueSet that `$expand` returns: the definition's header plus `expansion` (FHIR R4)."""

from __future__ import annotations

from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.concepts import Designation
from kangtong.terminology.expansion import ExpandRequest, Expansion, Member

HEADER = ("id", "url", "identifier", "version", "name", "title", "status", "publisher")


def expanded_value_set(
    definition: JsonObject,
    expansion: Expansion,
    request: ExpandRequest,
    identifier: str,
    timestamp: str,
) -> JsonObject:
    result: JsonObject = {"resourceType": "ValueSet"}
    result.update({k: definition[k] for k in HEADER if k in definition})
    result.setdefault("status", "active")
    body: JsonObject = {
        "identifier": identifier,
        "timestamp": timestamp,
        "total": expansion.total,
        "offset": expansion.offset,
        "parameter": _parameters(expansion, request),
    }
    contains = [_entry(m, request.include_designations) for m in expansion.members]
    if contains:
        body["contains"] = contains
    result["expansion"] = body
    return result


def _parameters(expansion: Expansion, request: ExpandRequest) -> list[JsonObject]:
    items: list[JsonObject] = []
    if request.filter:
        items.append({"name": "filter", "valueString": request.filter})
    items.append({"name": "offset", "valueInteger": request.offset})
    if request.count is not None:
        items.append({"name": "count", "valueInteger": request.count})
    if request.active_only:
        items.append({"name": "activeOnly", "valueBoolean": True})
    for system, version in sorted(expansion.used_systems.items()):
        uri = f"{system}|{version}" if version else system
        items.append({"name": "used-codesystem", "valueUri": uri})
    return items


def _entry(member: Member, with_designations: bool) -> JsonObject:
    item: JsonObject = {"system": member.system}
    if member.version:
        item["version"] = member.version
    item["code"] = member.code
    if member.display:
        item["display"] = member.display
    concept = member.concept
    if concept is not None and not concept.active:
        item["inactive"] = True
    if with_designations and concept is not None and concept.designations:
        item["designation"] = [_designation(d) for d in concept.designations]
    return item


def _designation(designation: Designation) -> JsonObject:
    item: JsonObject = {"value": designation.value}
    if designation.language:
        item["language"] = designation.language
    if designation.use:
        item["use"] = designation.use
    return item
