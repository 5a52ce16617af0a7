"""Transaction and batch bundles (FHIR R4 §3.1.0.11).

A transaction is all-or-nothing: every entry is staged in one changeset inside one database
transaction, `urn:uuid:` and conditional references are resolved first, and any failing entry
rolls the whole bundle back. A batch runs each entry on its own and reports each outcome.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from kangtong.core.errors import Invalid, KangtongError, NotFound, PreconditionFailed, Unexpected
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.core.log_safety import exception_summary
from kangtong.core.resource_ids import new_resource_id
from kangtong.fhir.access import AccessContext
from kangtong.fhir.bundle_entries import (
    ORDER,
    BundleEntry,
    entries_of,
    parse_entry,
    patch_operations,
)
from kangtong.fhir.changeset import Changeset
from kangtong.fhir.model.bundle_rules import full_url_problems
from kangtong.fhir.model.json_shape import JsonLimits
from kangtong.fhir.outcome import outcome_of
from kangtong.fhir.results import WriteOutcome
from kangtong.fhir.service import ConditionalCriteria, ResourceService
from kangtong.fhir.status import status_for
from kangtong.store.index_rows import IndexRows

log = logging.getLogger("kangtong.bundles")
OutcomeRenderer = Callable[[KangtongError], JsonObject]
# References that only a fullUrl of the same Bundle can resolve.
_BUNDLE_LOCAL = ("urn:uuid:", "urn:oid:")


def _conditional_write(entry: BundleEntry) -> tuple[str, str] | None:
    """(type, criteria) of a conditional create, update or delete entry; None for others."""
    if entry.method == "POST" and entry.if_none_exist and entry.resource is not None:
        return str(entry.resource.get("resourceType", "")), entry.if_none_exist
    if entry.method in ("PUT", "DELETE") and "?" in entry.url:
        path, _, query = entry.url.partition("?")
        return path.strip("/"), query
    return None


def _parse_entries(bundle: JsonObject) -> list[BundleEntry]:
    """Every entry of a transaction, or `Invalid` for the first that is malformed."""
    raw_entries = entries_of(bundle)
    problems = full_url_problems(raw_entries)
    if problems:
        position = min(problems)
        raise Invalid(f"Bundle.entry[{position}]: {problems[position]}")
    return [parse_entry(position, raw) for position, raw in enumerate(raw_entries)]


class BundleProcessor:
    def __init__(
        self,
        service: ResourceService,
        render_outcome: OutcomeRenderer,
        limits: JsonLimits = JsonLimits(),
    ) -> None:
        self._service = service
        self._render_outcome = render_outcome
        self._limits = limits

    def process(self, ctx: AccessContext, bundle: JsonObject) -> JsonObject:
        if bundle.get("resourceType") != "Bundle":
            raise Invalid("POST to the base URL takes a Bundle")
        kind = bundle.get("type")
        if kind == "transaction":
            # Run again from the start if a concurrent writer won a race (`store.transient`).
            return self._service.retrying(lambda: self.transaction(ctx, bundle))
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
            self._hold_conditional_writes(changes, entries)
            if not assigned:
                mapping = self._assign_ids(changes, entries, responses)
            if not early:
                self._resolve_references(changes, entries, mapping)
            changes.prefetch(_write_targets(entries))
            for entry in sorted(entries, key=lambda e: ORDER[e.method]):
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

    def _hold_conditional_writes(self, changes: Changeset, entries: list[BundleEntry]) -> None:
        """Hold every conditional write's criteria at once, before any entry is applied.

        Taken together (in one order, a bounded number of locks however many entries), two
        transactions cannot each hold one and wait for the other's. Two entries asking the same
        question would both find nothing and both create: the transaction is refused instead
        (FHIR: a transaction whose entries resolve to one resource twice fails).
        """
        held: dict[str, tuple[BundleEntry, ConditionalCriteria]] = {}
        for entry in entries:
            criteria = _conditional_write(entry)
            if criteria is None:
                continue
            with _located(entry):
                parsed = self._service.conditional_criteria(*criteria)
            first, _ = held.setdefault(parsed.meaning, (entry, parsed))
            if first is not entry:
                raise Invalid(
                    f"Bundle.entry[{first.position}] and Bundle.entry[{entry.position}] have the "
                    "same conditional criteria: a transaction may name a resource only once"
                )
        self._service.hold_criteria(changes, [parsed for _, parsed in held.values()])

    def _prepare(self, entries: list[BundleEntry]) -> dict[int, IndexRows]:
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
        self,
        changes: Changeset | None,
        entries: list[BundleEntry],
        responses: dict[int, JsonObject],
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
        self, changes: Changeset | None, entries: list[BundleEntry], mapping: dict[str, str]
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
            if reference.startswith(_BUNDLE_LOCAL):
                raise Invalid(f"The reference '{reference}' names no entry of the Bundle")
            conditional = conditional or "?" in reference
            if "?" in reference and changes is not None:
                res_type, _, query = reference.partition("?")
                matches = self._service.match_ids(changes, res_type, query, for_write=False)
                if len(matches) != 1:
                    raise PreconditionFailed(
                        f"The conditional reference '{reference}' matches {len(matches)} resources, not one"
                    )
                cache[reference] = f"{res_type}/{matches[0]}"
                return cache[reference]
            return reference

        for entry in entries:
            if entry.resource is not None:
                with _located(entry):
                    entry.resource = _with_references(entry.resource, resolve)
        return conditional

    def _apply(self, changes: Changeset, entry: BundleEntry, mapping: dict[str, str]) -> JsonObject:
        path, _, query = entry.url.partition("?")
        parts = [p for p in path.split("/") if p]
        if parts and not self._service.is_resource_type(parts[0]):
            raise Invalid(f"'{parts[0]}' in request.url is not a FHIR R4 resource type")
        _check_target_type(entry, parts)
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
            operations = patch_operations(entry.resource, self._limits)
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
            matches = self._service.match_ids(changes, parts[0], query)
            if len(matches) > 1:  # conditionalDelete "single", as for the REST interaction
                raise PreconditionFailed(
                    f"The conditional delete matches {len(matches)} {parts[0]} resources"
                )
            for res_id in matches:
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
            ids = (
                self._service.match_ids(changes, parts[0], query, for_write=False) if query else []
            )
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
        """Each entry on its own: whatever one entry raises becomes that entry's response."""
        raw_entries = entries_of(bundle)
        problems = full_url_problems(raw_entries)
        responses: list[JsonObject] = []
        for position, raw in enumerate(raw_entries):
            try:
                if position in problems:
                    raise Invalid(f"Bundle.entry[{position}]: {problems[position]}")
                responses.append(
                    self._service.retrying(
                        lambda: self._batch_entry(ctx, parse_entry(position, raw))  # noqa: B023
                    )
                )
            except KangtongError as exc:
                responses.append(self._failure(exc))
            except Exception as exc:  # one entry never takes the batch down (R4 §3.1.0.11.1)
                log.error("unexpected %s in a batch entry", exception_summary(exc))
                responses.append(self._failure(Unexpected("Internal server error")))
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "batch-response",
            "entry": responses,
        }

    def _batch_entry(self, ctx: AccessContext, entry: BundleEntry) -> JsonObject:
        with self._service.changeset(ctx) as changes, _located(entry):
            if entry.method == "POST" and entry.resource is not None:
                entry.resource = {**entry.resource, "id": new_resource_id()}
                if entry.if_none_exist:
                    res_type = str(entry.resource.get("resourceType", ""))
                    found = self._service.match_ids(changes, res_type, entry.if_none_exist)
                    if len(found) > 1:
                        raise PreconditionFailed("ifNoneExist matches several resources")
                    if found:
                        location = f"{res_type}/{found[0]}"
                        return {"response": {"status": "200 OK", "location": location}}
            if entry.resource is not None:
                self._resolve_references(changes, [entry], {})
            return self._apply(changes, entry, {})

    def _failure(self, exc: KangtongError) -> JsonObject:
        return {"response": {"status": _status_line(exc), "outcome": self._render_outcome(exc)}}


@contextmanager
def _located(entry: BundleEntry) -> Iterator[None]:
    """Prefix any error with the entry it came from."""
    try:
        yield
    except KangtongError as exc:
        where = f"Bundle.entry[{entry.position}] ({entry.method} {entry.url}): "
        exc.message = where + exc.message
        exc.issues = [replace(i, diagnostics=where + i.diagnostics) for i in exc.issues]
        raise


def _write_targets(entries: list[BundleEntry]) -> list[tuple[str, str]]:
    """(type, id) of every plain `PUT|PATCH|DELETE Type/id`: looked up in one query, and on
    PostgreSQL locked together in one order, so crossing transactions cannot deadlock."""
    targets: list[tuple[str, str]] = []
    for entry in entries:
        direct = "?" not in entry.url and entry.url.count("/") == 1
        if entry.method in ("PUT", "PATCH", "DELETE") and direct:
            res_type, res_id = entry.url.split("/")
            targets.append((res_type, res_id))
    return targets


def _status_line(exc: KangtongError) -> str:
    status = status_for(exc)
    return f"{status.value} {status.phrase}"


def _write_response(outcome: WriteOutcome) -> JsonObject:
    stored = outcome.resource
    status = "201 Created" if outcome.status == 201 else "200 OK"
    response: JsonObject = {
        "status": status,
        "location": f"{stored.res_type}/{stored.res_id}/_history/{stored.version}",
        "etag": stored.etag,
        "lastModified": stored.last_updated,
    }
    if outcome.warnings:  # the entry was kept; its outcome says what the caller should know
        response["outcome"] = outcome_of(list(outcome.warnings))
    return {"response": response}


def _check_target_type(entry: BundleEntry, parts: list[str]) -> None:
    """A POST or PUT entry's resource is of the type its request.url names."""
    if entry.method not in ("POST", "PUT") or entry.resource is None or not parts:
        return
    res_type = entry.resource.get("resourceType")
    if res_type != parts[0]:
        raise Invalid(f"request.url names {parts[0]}, but the entry's resource is a {res_type}")


def _with_references(node: Any, replace_reference: Callable[[str], str]) -> Any:
    """A copy of `node` with every `reference` string replaced; `node` itself is left as it is,
    so a transaction run again after a lost race starts from the Bundle as the client sent it."""
    if isinstance(node, dict):
        return {
            key: replace_reference(value)
            if key == "reference" and isinstance(value, str)
            else _with_references(value, replace_reference)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_with_references(item, replace_reference) for item in node]
    return node
