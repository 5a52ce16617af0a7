"""The registries' few ways of reading and writing through the resource service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kangtong.core.errors import Gone, NotFound
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.results import StoredResource
from kangtong.fhir.service import ResourceService


@dataclass(frozen=True)
class Current:
    """A resource as stored now, with the version an update must name (If-Match)."""

    resource: JsonObject
    version: int


def json_of(stored: StoredResource) -> JsonObject:
    if stored.content is None:
        raise Gone(f"{stored.res_type}/{stored.res_id} has been deleted")
    return parse_fhir_json(stored.content)


def current(service: ResourceService, ctx: AccessContext, res_type: str, res_id: str) -> Current:
    stored = service.read(ctx, res_type, res_id)
    return Current(json_of(stored), stored.version)


def create(service: ResourceService, ctx: AccessContext, resource: JsonObject) -> JsonObject:
    return json_of(service.create(ctx, resource).resource)


def replace_current(
    service: ResourceService, ctx: AccessContext, found: Current, resource: JsonObject
) -> JsonObject:
    """Store `resource` as the next version of `found`; 412 if someone wrote in between."""
    res_type, res_id = str(resource["resourceType"]), str(resource["id"])
    outcome = service.update(ctx, res_type, res_id, resource, if_match=found.version)
    return json_of(outcome.resource)


def search(
    service: ResourceService,
    ctx: AccessContext,
    res_type: str,
    params: Sequence[tuple[str, str]],
    *,
    count: int = 100,
) -> list[JsonObject]:
    """Matches of a FHIR search (the indexes, never a scan), at most `count`."""
    result = service.search(ctx, res_type, [*params, ("_count", str(count))], strict=True)
    return [parse_fhir_json(e.content) for e in result.entries if e.mode == "match"]


def require(found: list[JsonObject], what: str) -> JsonObject:
    if not found:
        raise NotFound(f"{what} is not registered")
    return found[0]
