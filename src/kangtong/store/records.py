"""Typed values that cross the store boundary: what is written and what is read back."""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.store.index_rows import IndexRows


@dataclass(slots=True)
class VersionWrite:
    """One new version of a resource, to be stored in the current transaction."""

    res_type: str
    res_id: str
    version: int
    last_updated_us: int
    method: str  # POST, PUT, PATCH, DELETE
    content: bytes | None  # None for a delete (tombstone)
    index: IndexRows | None
    owner_org: str | None = None
    district: str | None = None
    existing_pk: int | None = None  # set when the resource already has a row
    written_by: str | None = None  # the writer's principal
    written_as: str | None = None  # the writer's roles, comma-separated


@dataclass(frozen=True, slots=True)
class CurrentState:
    """The current version of a resource as the store knows it."""

    pk: int
    res_type: str
    res_id: str
    version: int
    last_updated_us: int
    deleted: bool
    content: bytes | None
    owner_org: str | None
    district: str | None


@dataclass(frozen=True, slots=True)
class VersionWriter:
    """Who wrote the current version of a resource: enough to decide whether to trust it."""

    principal: str
    roles: frozenset[str]
    organization: str | None  # the resource's owner: the writer's organisation


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One historical (or current) version."""

    res_type: str
    res_id: str
    version: int
    last_updated_us: int
    method: str
    content: bytes | None

    @property
    def deleted(self) -> bool:
        return self.content is None


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A change to announce to subscribers, written in the same transaction as the change."""

    topic: str
    res_type: str
    res_id: str
    version: int
    created_us: int
    payload: bytes | None = None


@dataclass(frozen=True, slots=True)
class DeliveredEvent:
    seq: int
    topic: str
    res_type: str
    res_id: str
    version: int
    created_us: int
    payload: bytes | None
