"""What a write transaction needs from the write path, handed over as one narrow object.

A `Changeset` stages writes inside one transaction; it validates, authorises, indexes, stores,
runs the write rules, queues outbox events and audits — each through a port here, never by
reaching into the resource service that built it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection

from kangtong.core.errors import Issue
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.access import AccessContext, AccessNote, Action, AuditEntry, Owner
from kangtong.fhir.lookup import PlatformSearch
from kangtong.fhir.rules import WriteRules
from kangtong.store.criteria import AccessFilter
from kangtong.store.index_rows import IndexRows
from kangtong.store.outbox import OutboxStore
from kangtong.store.repository import ResourceRepository

# Validation returns issues; errors reject the resource.
ResourceCheck = Callable[[JsonObject], Sequence[Issue]]
# Server-set flags: the resource as it will be stored, and warnings for the caller.
FlagResource = Callable[[JsonObject], tuple[JsonObject, Sequence[Issue]]]
KnownTypes = Callable[[str], bool]


class Indexer(Protocol):
    def index(self, resource: JsonObject) -> IndexRows: ...


class Authorize(Protocol):
    def __call__(
        self,
        ctx: AccessContext,
        action: Action,
        res_type: str | None,
        res_id: str | None,
        resource: Mapping[str, Any] | None = None,
        owner: Owner | None = None,
        *,
        denials: list[AuditEntry] | None = None,
    ) -> AccessNote:
        """Raise `Forbidden` (recording the denial) or return what to audit."""
        ...


class AuditWrites(Protocol):
    def __call__(self, conn: Connection, ctx: AccessContext, entries: Sequence[AuditEntry]) -> None:
        """Append the transaction's audit entries inside it."""
        ...


@dataclass(frozen=True)
class WritePorts:
    repository: ResourceRepository
    outbox: OutboxStore
    rules: WriteRules
    lookups: PlatformSearch  # what the write rules search, inside the transaction
    validate: Callable[[JsonObject], str]  # the resource's type, or `Unprocessable`
    index: Callable[[JsonObject], IndexRows]
    authorize: Authorize
    visibility: Callable[[AccessContext], AccessFilter | None]
    audit: AuditWrites
    default_district: str
    flag: FlagResource  # e.g. citizen IDs failing GB 11643 (`fhir.identifier_flags`)
