"""Reading the entries of a transaction or batch Bundle, with every field's JSON type checked.

A client may put anything anywhere: `"entry": 5`, a `resource` that is a string, a method that
is a list, `"ifNoneExist": 5`, base64 that is not base64. Each is refused here as `Invalid`,
naming the entry, before anything is looked up or stored.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.etags import etag_version
from kangtong.fhir.model.json_shape import JsonLimits, check_json_shape

# Processing order within a transaction (R4 §3.1.0.11.2); also the methods kangtong accepts.
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
PATCH_OPERATIONS = frozenset({"add", "remove", "replace", "move", "copy", "test"})


@dataclass
class BundleEntry:
    position: int
    method: str
    url: str
    resource: JsonObject | None
    full_url: str | None
    if_none_exist: str | None
    if_match: int | None


def entries_of(bundle: JsonObject) -> list[Any]:
    """Bundle.entry as a list (empty when absent); `Invalid` when it is anything else."""
    entries = bundle.get("entry", [])
    if type(entries) is not list:
        raise Invalid("Bundle.entry must be an array of entries")
    return entries


def parse_entry(position: int, raw: Any) -> BundleEntry:
    where = f"Bundle.entry[{position}]"
    if type(raw) is not dict:
        raise Invalid(f"{where} must be a JSON object")
    request = raw.get("request")
    if type(request) is not dict:
        raise Invalid(f"{where}.request needs a method and a url")
    method, url = request.get("method"), request.get("url")
    if type(method) is not str or method.upper() not in ORDER:
        raise Invalid(f"{where}.request.method must be one of {', '.join(ORDER)}")
    if type(url) is not str or not url.strip("/"):
        raise Invalid(f"{where}.request.url must name a resource type, resource or search")
    resource = raw.get("resource")
    if resource is not None and type(resource) is not dict:
        raise Invalid(f"{where}.resource must be a resource (a JSON object)")
    if_match = _text(request, "ifMatch", where)
    version = None if if_match is None else etag_version(if_match)
    if if_match is not None and version is None:
        raise Invalid(f"{where}.request.ifMatch '{if_match}' is not an ETag like W/\"3\"")
    return BundleEntry(
        position,
        method.upper(),
        url.lstrip("/"),
        resource,
        _text(raw, "fullUrl", where),
        _text(request, "ifNoneExist", where),
        version,
    )


def _text(owner: JsonObject, key: str, where: str) -> str | None:
    value = owner.get(key)
    if value is not None and (type(value) is not str or not value):
        raise Invalid(f"{where}: {key} must be a non-empty string")
    return value


def patch_operations(resource: JsonObject, limits: JsonLimits) -> list[JsonObject]:
    """The JSON Patch a PATCH entry carries as a Binary (R4 §3.1.0.11: base64 in `data`)."""
    data = resource.get("data")
    if resource.get("resourceType") != "Binary" or type(data) is not str:
        raise Invalid(
            "A PATCH entry carries its JSON Patch as a Binary resource "
            "(contentType application/json-patch+json, the patch in data)"
        )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("The Binary data of a PATCH entry is not valid base64") from exc
    return json_patch(raw, limits)


def json_patch(raw: bytes, limits: JsonLimits) -> list[JsonObject]:
    """A JSON Patch (RFC 6902): an array of operations, each with a known `op` and a `path`."""
    try:
        operations = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"The JSON Patch is not valid JSON: {exc}") from exc
    if type(operations) is not list:
        raise Invalid("A JSON Patch is a JSON array of operations")
    check_json_shape(operations, limits, what="JSON Patch")
    for index, operation in enumerate(operations):
        _check_operation(index, operation)
    return operations


def _check_operation(index: int, operation: Any) -> None:
    where = f"JSON Patch operation {index}"
    if type(operation) is not dict or operation.get("op") not in PATCH_OPERATIONS:
        raise Invalid(f"{where} needs an op: {', '.join(sorted(PATCH_OPERATIONS))}")
    for pointer in ("path", "from") if operation["op"] in ("move", "copy") else ("path",):
        value = operation.get(pointer)
        if type(value) is not str or (value and not value.startswith("/")):
            raise Invalid(f"{where} needs a JSON Pointer in '{pointer}' (like /name/0/family)")
    if operation["op"] in ("add", "replace", "test") and "value" not in operation:
        raise Invalid(f"{where} ({operation['op']}) needs a value")
