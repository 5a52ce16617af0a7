"""Transaction and batch bundles (FHIR R4 §3.1.0.11).

A transaction is all-or-nothing: every entry is staged in one changeset inside one database
transaction, `urn:uuid:` and conditional references are resolved first, and any failing entry
rolls the whole bundle back. A batch runs each entry on its own and reports each outcome.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import orjson

from kangtong.core.errors import Invalid, KangtongError, NotFound, PreconditionFailed
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.core.resource_ids import new_resource_id
from kangtong.fhir.access import AccessContext
from kangtong.fhir.changeset import Changeset
from kangtong.fhir.results import WriteOutcome
from kangtong.fhir.service import ResourceService
from kangtong.fhir.status import status_for
from kangtong.store.index_rows import IndexRows

_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
OutcomeRenderer = Callable[[KangtongError], JsonObject]


@dataclass
class _Entry:
    position: int
    method: str
    url: str
    resource: JsonObject | None
    full_url: str | None
    if_none_exist: str | None
    if_match: int | None


def _parse_entries(bundle: JsonObject) -> list[_Entry]:
    entries: list[_Entry] = []
    for position, raw in enumerate(bundle.get("entry") or []):
        request = raw.get("request") if isinstance(raw, dict) else None
        if not isinstance(request, dict) or "method" not in request or "url" not in request:
            raise Invalid(f"Bundle.entry[{position}].request needs a method and a url")
        method = str(request["method"]).upper()
        if method not in _ORDER:
            raise Invalid(f"Bundle.entry[{position}].request.method '{method}' is not supported")
        entries.append(
            _Entry(
                position,
                method,
                str(request["url"]).lstrip("/"),
                raw.get("resource"),
                raw.get("fullUrl"),
                request.get("ifNoneExist"),
                _etag_version(request.get("ifMatch")),
            )
        )
    return entries


def _etag_version(value: object) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    digits = value.removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise Invalid(f"'{value}' is not a valid ETag")
    return int(digits)


class BundleProcessor:
    def __init__(self, service: ResourceService, render_outcome: OutcomeRenderer) -> None:
        self._service = service
        self._render_outcome = render_outcome

    def process(self, ctx: AccessContext, bundle: JsonObject) -> JsonObject:
        if bundle.get("resourceType") != "Bundle":
            raise Invalid("POST to the base URL takes a Bundle")
        kind = bundle.get("type")
        if kind == "transaction":
            return self.transaction(ctx, bundle)
        if kind == "batch":
            return self.batch(ctx, bundle)
        raise Invalid(f"Bundle.type must be transaction or batch, not '{kind}'")

    # -- transaction ----------------------------------------------------------------------
    def transaction(self, ctx: AccessContext, bundle: JsonObject) -> JsonObject:
        entries = _parse_entries(bundle)
        responses: dict[int, JsonObject] = {}
        # Without conditional creates or references nothing depends on the database until the
        # writes themselves: assign ids, validate and index before taking the write lock.
        mapping: dict[str, str] = {}
        prepared: dict[int, IndexRows] = {}
        assigned = not any(e.if_none_exist for e in entries)  # ids need no database look-up
        early = False
        if assigned:
            mapping = self._assign_ids(None, entries, responses)
            early = not self._resolve_references(None, entries, mapping)
            if early:
                prepared = self._prepare(entries)
        with self._service.changeset(ctx, prepared) as changes:
            if not assigned:
                mapping = self._assign_ids(changes, entries, responses)
            if not early:
                self._resolve_references(changes, entries, mapping)
            changes.prefetch(_put_targets(entries))
            for entry in sorted(entries, key=lambda e: _ORDER[e.method]):
                if entry.position in responses:
                    continue
                with _located(entry):
                    responses[entry.position] = self._apply(changes, entry, mapping)
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "transaction-response",
            "entry": [responses[e.position] for e in entries],
        }

    def _prepare(self, entries: list[_Entry]) -> dict[int, IndexRows]:
        prepared: dict[int, IndexRows] = {}
        for entry in entries:
            if (
                entry.resource is not None
                and entry.method in ("POST", "PUT")
                and "?" not in entry.url
            ):
                with _located(entry):
                    prepared[id(entry.resource)] = self._service.prepare(entry.resource)
        return prepared

    def _assign_ids(
        self, changes: Changeset | None, entries: list[_Entry], responses: dict[int, JsonObject]
    ) -> dict[str, str]:
        """Give every POST its server id up front, so references to it can be rewritten."""
        mapping: dict[str, str] = {}
        for entry in entries:
            if entry.method != "POST" or entry.resource is None:
                if entry.method == "PUT" and entry.full_url and "?" not in entry.url:
                    mapping[entry.full_url] = entry.url
                continue
            res_type = str(entry.resource.get("resourceType", ""))
            if entry.if_none_exist and changes is not None:
                existing = self._service.match_ids(changes, res_type, entry.if_none_exist)
                if len(existing) > 1:
                    raise PreconditionFailed(
                        f"Bundle.entry[{entry.position}].request.ifNoneExist matches several"
                    )
                if existing:
                    if entry.full_url:
                        mapping[entry.full_url] = f"{res_type}/{existing[0]}"
                    responses[entry.position] = {
                        "response": {"status": "200 OK", "location": f"{res_type}/{existing[0]}"}
                    }
                    continue
            new_id = new_resource_id()
            entry.resource = {**entry.resource, "id": new_id}
            if entry.full_url:
                mapping[entry.full_url] = f"{res_type}/{new_id}"
        return mapping

    def _resolve_references(
        self, changes: Changeset | None, entries: list[_Entry], mapping: dict[str, str]
    ) -> bool:
        """Rewrite `urn:uuid:` references to assigned ids and conditional ones to matches.

        Without `changes` (no database yet) conditional references are left as they are;
        returns whether any was seen.
        """
        cache: dict[str, str] = dict(mapping)
        conditional = False

        def resolve(reference: str) -> str:
            nonlocal conditional
            if reference in cache:
                return cache[reference]
            conditional = conditional or "?" in reference
            if "?" in reference and changes is not None:
                res_type, _, query = reference.partition("?")
                matches = self._service.match_ids(changes, res_type, query)
                if len(matches) != 1:
                    raise PreconditionFailed(
                        f"The conditional reference '{reference}' matches {len(matches)} resources, not one"
                    )
                cache[reference] = f"{res_type}/{matches[0]}"
                return cache[reference]
            return reference

        for entry in entries:
            if entry.resource is not None:
                _walk_references(entry.resource, resolve)
        return conditional

    def _apply(self, changes: Changeset, entry: _Entry, mapping: dict[str, str]) -> JsonObject:
        path, _, query = entry.url.partition("?")
        parts = [p for p in path.split("/") if p]
        if entry.method == "POST":
            if entry.resource is None:
                raise Invalid("A POST entry needs a resource")
            return _write_response(changes.create(entry.resource, res_id=entry.resource["id"]))
        if entry.method == "PUT":
            if entry.resource is None:
                raise Invalid("A PUT entry needs a resource")
            if query:
                matches = self._service.match_ids(changes, parts[0], query)
                if len(matches) > 1:
                    raise PreconditionFailed(
                        f"The conditional update matches {len(matches)} resources"
                    )
                target = (
                    matches[0] if matches else str(entry.resource.get("id") or new_resource_id())
                )
                return _write_response(
                    changes.update(parts[0], target, {**entry.resource, "id": target})
                )
            if len(parts) != 2:
                raise Invalid(f"'{entry.url}' must be Type/id for a PUT")
            return _write_response(
                changes.update(parts[0], parts[1], entry.resource, if_match=entry.if_match)
            )
        if entry.method == "PATCH":
            if len(parts) != 2 or entry.resource is None:
                raise Invalid("A PATCH entry needs Type/id and a Binary or Parameters JSON Patch")
            operations = _patch_operations(entry.resource)
            return _write_response(
                self._service.patch_in(
                    changes, parts[0], parts[1], operations, if_match=entry.if_match
                )
            )
        if entry.method == "DELETE":
            return self._delete(changes, parts, query)
        return self._get(changes, parts, query)

    def _delete(self, changes: Changeset, parts: list[str], query: str) -> JsonObject:
        if query:
            for res_id in self._service.match_ids(changes, parts[0], query):
                changes.delete(parts[0], res_id)
            return {"response": {"status": "204 No Content"}}
        if len(parts) != 2:
            raise Invalid("A DELETE entry needs Type/id or Type?criteria")
        try:
            changes.delete(parts[0], parts[1])
        except NotFound:
            return {"response": {"status": "404 Not Found"}}
        return {"response": {"status": "204 No Content"}}

    def _get(self, changes: Changeset, parts: list[str], query: str) -> JsonObject:
        if len(parts) == 2 and not query:
            current = changes.read(parts[0], parts[1])
            if current is None or current.deleted or current.content is None:
                return {"response": {"status": "404 Not Found" if current is None else "410 Gone"}}
            return {
                "resource": parse_fhir_json(current.content),
                "response": {"status": "200 OK", "etag": f'W/"{current.version}"'},
            }
        if len(parts) == 1:
            ids = self._service.match_ids(changes, parts[0], query) if query else []
            return {
                "response": {"status": "200 OK"},
                "resource": {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "total": len(ids),
                    "entry": [{"fullUrl": f"{parts[0]}/{i}"} for i in ids],
                },
            }
        raise Invalid("A GET entry needs Type/id or Type?criteria")

    # -- batch ------------------------------------------------------------------------------
    def batch(self, ctx: AccessContext, bundle: JsonObject) -> JsonObject:
        entries = _parse_entries(bundle)
        responses: list[JsonObject] = []
        for entry in entries:
            try:
                with self._service.changeset(ctx) as changes:
                    if entry.method == "POST" and entry.resource is not None:
                        entry.resource = {**entry.resource, "id": new_resource_id()}
                        if entry.if_none_exist:
                            res_type = str(entry.resource.get("resourceType", ""))
                            found = self._service.match_ids(changes, res_type, entry.if_none_exist)
                            if len(found) == 1:
                                responses.append(
                                    {
                                        "response": {
                                            "status": "200 OK",
                                            "location": f"{res_type}/{found[0]}",
                                        }
                                    }
                                )
                                continue
                            if found:
                                raise PreconditionFailed("ifNoneExist matches several resources")
                    if entry.resource is not None:
                        self._resolve_references(changes, [entry], {})
                    responses.append(self._apply(changes, entry, {}))
            except KangtongError as exc:
                responses.append(
                    {
                        "response": {
                            "status": _status_line(exc),
                            "outcome": self._render_outcome(exc),
                        }
                    }
                )
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "batch-response",
            "entry": responses,
        }


@contextmanager
def _located(entry: _Entry) -> Iterator[None]:
    """Prefix any error with the entry it came from."""
    try:
        yield
    except KangtongError as exc:
        where = f"Bundle.entry[{entry.position}] ({entry.method} {entry.url}): "
        exc.message = where + exc.message
        exc.issues = [replace(i, diagnostics=where + i.diagnostics) for i in exc.issues]
        raise


def _put_targets(entries: list[_Entry]) -> list[tuple[str, str]]:
    """(type, id) of every plain `PUT Type/id`, to look them up in one query."""
    targets: list[tuple[str, str]] = []
    for entry in entries:
        if entry.method == "PUT" and "?" not in entry.url and entry.url.count("/") == 1:
            res_type, res_id = entry.url.split("/")
            targets.append((res_type, res_id))
    return targets


def _status_line(exc: KangtongError) -> str:
    status = status_for(exc)
    return f"{status.value} {status.phrase}"


def _write_response(outcome: WriteOutcome) -> JsonObject:
    stored = outcome.resource
    status = "201 Created" if outcome.status == 201 else "200 OK"
    return {
        "response": {
            "status": status,
            "location": f"{stored.res_type}/{stored.res_id}/_history/{stored.version}",
            "etag": stored.etag,
            "lastModified": stored.last_updated,
        }
    }


def _patch_operations(resource: JsonObject) -> list[Any]:
    if resource.get("resourceType") == "Binary" and "data" in resource:
        return parse_json_list(base64.b64decode(resource["data"]))
    raise Invalid(
        "A PATCH entry carries its JSON Patch as a Binary resource (contentType application/json-patch+json)"
    )


def parse_json_list(raw: bytes) -> list[Any]:
    value = orjson.loads(raw)
    if not isinstance(value, list):
        raise Invalid("A JSON Patch is a JSON array of operations")
    return value


def _walk_references(node: Any, replace_reference: Callable[[str], str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                node[key] = replace_reference(value)
            else:
                _walk_references(value, replace_reference)
    elif isinstance(node, list):
        for item in node:
            _walk_references(item, replace_reference)
