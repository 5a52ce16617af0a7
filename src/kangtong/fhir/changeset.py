"""Writes staged inside one database transaction, flushed together (one per bundle/request).

A changeset validates, authorises, versions, indexes and queues the outbox event of every
write; `flush` stores them all at once. If anything raises, the caller's transaction rolls
back and nothing of the changeset remains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from kangtong.core.errors import Conflict, Gone, Invalid, Issue, NotFound, PreconditionFailed
from kangtong.core.jsonutil import JsonObject, dump_json, parse_fhir_json
from kangtong.core.resource_ids import new_resource_id
from kangtong.fhir.access import ALLOWED, AccessContext, AccessNote, Action, AuditEntry, Owner
from kangtong.fhir.ports import WritePorts
from kangtong.fhir.results import StoredResource, WriteOutcome
from kangtong.store.criteria import AccessFilter
from kangtong.store.index_rows import IndexRows
from kangtong.store.records import CurrentState, OutboxEvent, VersionWrite

ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(slots=True)
class _Staged:
    write: VersionWrite
    stored: StoredResource


class Changeset:
    def __init__(
        self,
        ports: WritePorts,
        conn: Connection,
        ctx: AccessContext,
        now_us: int,
        instant: str,
        prepared: Mapping[int, IndexRows] | None = None,
        denials: list[AuditEntry] | None = None,
    ) -> None:
        self._ports = ports
        self.conn = conn
        self.ctx = ctx
        self._now_us = now_us
        self._instant = instant
        self._staged: dict[tuple[str, str], _Staged] = {}
        self._events: list[OutboxEvent] = []
        self.events_written: list[OutboxEvent] = []  # flushed in this transaction, to count
        self._known: dict[tuple[str, str], CurrentState | None] = {}
        # Resources validated and indexed before the transaction began, by object identity.
        self._prepared = prepared or {}
        self._audit: list[AuditEntry] = []  # appended with the writes, in this transaction
        self._denials = denials if denials is not None else []  # audited after the rollback
        self._visibility: tuple[AccessFilter | None] | None = None

    # -- authorisation ------------------------------------------------------------------
    def _authorize(
        self,
        action: Action,
        res_type: str,
        res_id: str | None,
        resource: JsonObject | None,
        current: CurrentState | None,
    ) -> AccessNote:
        owner = None
        if current is not None and not current.deleted:
            owner = Owner(current.owner_org, current.district)
        return self._ports.authorize(
            self.ctx, action, res_type, res_id, resource, owner, denials=self._denials
        )

    def decide_about(self, res_type: str, res_id: str) -> None:
        """A decision about a resource that leaves it unchanged (an MPI review rejected):
        authorised as writing it — so only those who may change it decide — and audited as an
        operation on it in this transaction. A denial is audited after the rollback."""
        current = self.current(res_type, res_id)
        live = current is not None and not current.deleted and current.content is not None
        stored = parse_fhir_json(current.content) if live and current and current.content else None
        note = self._authorize("update", res_type, res_id, stored, current if live else None)
        self._audit.append(AuditEntry("operation", res_type, res_id, "success", note))

    def visibility(self) -> AccessFilter | None:
        """The caller's search filter, for conditional matches (computed once)."""
        if self._visibility is None:
            self._visibility = (self._ports.visibility(self.ctx),)
        return self._visibility[0]

    def read(self, res_type: str, res_id: str) -> CurrentState | None:
        """The current state of a resource the caller may read (a GET in a bundle)."""
        current = self.current(res_type, res_id)
        if current is None or current.deleted or current.content is None:
            return current
        resource = parse_fhir_json(current.content)
        note = self._authorize("read", res_type, res_id, resource, current)
        self._audit.append(AuditEntry("read", res_type, res_id, "success", note))
        return current

    # -- reading the state the changeset writes on top of --------------------------------
    def prefetch(self, keys: list[tuple[str, str]]) -> None:
        """Look up many current states in one query (bundles)."""
        missing = [k for k in keys if k not in self._known]
        found = self._ports.repository.current_many(self.conn, missing)
        for key in missing:
            self._known[key] = found.get(key)

    def current(self, res_type: str, res_id: str) -> CurrentState | None:
        key = (res_type, res_id)
        if key not in self._known:
            self._known[key] = self._ports.repository.current(self.conn, res_type, res_id)
        return self._known[key]

    # -- staging ------------------------------------------------------------------------
    def _checked_type(self, resource: JsonObject) -> str:
        if id(resource) in self._prepared:
            return str(resource["resourceType"])  # validated while preparing
        return self._ports.validate(resource)

    def create(self, resource: JsonObject, *, res_id: str | None = None) -> WriteOutcome:
        res_type = self._checked_type(resource)
        note = self._authorize("create", res_type, res_id, resource, None)
        new_id = res_id or new_resource_id()
        return self._stage(res_type, new_id, resource, None, "POST", "create", note)

    def update(
        self, res_type: str, res_id: str, resource: JsonObject, *, if_match: int | None = None
    ) -> WriteOutcome:
        found_type = self._checked_type(resource)
        if found_type != res_type:
            raise Invalid(f"The resource is a {found_type}, but the URL names {res_type}")
        if "id" not in resource:
            raise Invalid("An update must carry the resource id in its body")
        if resource["id"] != res_id:
            raise Invalid(
                f"The body's id '{resource['id']}' does not match the URL's id '{res_id}'"
            )
        if not ID_PATTERN.fullmatch(res_id):
            raise Invalid(f"'{res_id}' is not a valid FHIR id")
        current = self.current(res_type, res_id)
        _check_version(current, if_match)
        if current is not None and not current.deleted and current.content is not None:
            # Changing a record is judged on what it is now, then on what it becomes.
            self._authorize("update", res_type, res_id, parse_fhir_json(current.content), current)
        action: Action = "create" if current is None or current.deleted else "update"
        note = self._authorize(action, res_type, res_id, resource, current)
        return self._stage(res_type, res_id, resource, current, "PUT", "update", note)

    def patched(
        self, res_type: str, res_id: str, resource: JsonObject, current: CurrentState
    ) -> WriteOutcome:
        self._ports.validate(resource)
        if resource.get("id") != res_id or resource.get("resourceType") != res_type:
            raise Invalid("A patch may not change the resource's type or id")
        if current.content is not None:
            self._authorize("patch", res_type, res_id, parse_fhir_json(current.content), current)
        note = self._authorize("patch", res_type, res_id, resource, current)
        return self._stage(res_type, res_id, resource, current, "PATCH", "update", note)

    def delete(
        self, res_type: str, res_id: str, *, if_match: int | None = None
    ) -> WriteOutcome | None:
        """Tombstone the resource; None when it is already deleted."""
        current = self.current(res_type, res_id)
        if current is None:
            raise NotFound(f"{res_type}/{res_id} does not exist")
        _check_version(current, if_match)
        if current.deleted:
            return None
        stored = parse_fhir_json(current.content) if current.content else {"id": res_id}
        note = self._authorize("delete", res_type, res_id, stored, current)
        return self._stage(res_type, res_id, None, current, "DELETE", "delete", note)

    def _stage(
        self,
        res_type: str,
        res_id: str,
        resource: JsonObject | None,
        current: CurrentState | None,
        method: str,
        action: Action,
        note: AccessNote = ALLOWED,
    ) -> WriteOutcome:
        key = (res_type, res_id)
        if key in self._staged:
            raise Conflict(f"{res_type}/{res_id} is written more than once in one transaction")
        version = 1 if current is None else current.version + 1
        content = None
        index = None
        warnings: tuple[Issue, ...] = ()
        if resource is not None:
            stamped, found = self._ports.flag(_stamp(resource, res_id, version, self._instant))
            warnings = tuple(found)
            content = dump_json(stamped)
            index = self._prepared.get(id(resource)) or self._ports.index(stamped)
        write = VersionWrite(
            res_type,
            res_id,
            version,
            self._now_us,
            method,
            content,
            index,
            owner_org=self._owner_org(current),
            district=self._district(current),
            existing_pk=None if current is None else current.pk,
            written_by=self.ctx.principal,
            written_as=",".join(sorted(self.ctx.roles)),
        )
        stored = StoredResource(res_type, res_id, version, self._instant, content)
        self._staged[key] = _Staged(write, stored)
        created = current is None or current.deleted
        topic = "deleted" if resource is None else ("created" if created else "updated")
        self._events.append(
            OutboxEvent(f"{res_type}.{topic}", res_type, res_id, version, self._now_us)
        )
        self._audit.append(AuditEntry(action, res_type, res_id, "success", note))
        self._audit.extend(note.also)
        status = 201 if created and resource is not None else 200
        return WriteOutcome(stored, status, created=created, warnings=warnings)  # type: ignore[arg-type]

    def _owner_org(self, current: CurrentState | None) -> str | None:
        """A record keeps its owner; the platform's own jobs never take it over."""
        if current is not None and current.owner_org and not self.ctx.organization:
            return current.owner_org
        return self.ctx.organization

    def _district(self, current: CurrentState | None) -> str | None:
        if current is not None and current.district and not self.ctx.district:
            return current.district
        return self.ctx.district or self._ports.default_district or None

    def flush(self) -> None:
        if self._staged:
            self._ports.repository.write(self.conn, [s.write for s in self._staged.values()])
            if self._ports.rules:
                self._ports.rules.enforce(
                    self._ports.lookups, self.conn, [s.stored for s in self._staged.values()]
                )
            self._ports.outbox.append(self.conn, self._events)
            self.events_written.extend(self._events)
            self._staged.clear()
            self._events.clear()
        # Last: appending to the audit chain locks its head until commit, and every writer
        # needs that lock, so it is held for as short a time as possible.
        if self._audit:
            self._ports.audit(self.conn, self.ctx, self._audit)
            self._audit.clear()


def _check_version(current: CurrentState | None, if_match: int | None) -> None:
    if if_match is None:
        return
    if current is None:
        raise PreconditionFailed(
            f"If-Match names version {if_match}, but the resource does not exist"
        )
    if current.version != if_match:
        raise PreconditionFailed(
            f"If-Match names version {if_match}, but the current version is {current.version}"
        )


def _stamp(resource: Mapping[str, Any], res_id: str, version: int, instant: str) -> JsonObject:
    """The resource as stored: server id first after resourceType, meta.versionId/lastUpdated set."""
    stamped: JsonObject = {"resourceType": resource["resourceType"], "id": res_id}
    for key, value in resource.items():
        if key not in ("resourceType", "id"):
            stamped[key] = value
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = instant
    stamped["meta"] = meta
    return stamped


def state_for_read(current: CurrentState | None, res_type: str, res_id: str) -> CurrentState:
    if current is None:
        raise NotFound(f"{res_type}/{res_id} is not known")
    if current.deleted:
        raise Gone(f"{res_type}/{res_id} has been deleted")
    return current
