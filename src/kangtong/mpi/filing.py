"""归档 — one MPI write: links move, golden records are rebuilt, Persons stored, events queued.

Everything an MPI operation changes happens in one `MpiWrite`: the resource service's changeset
(so Person versions are validated, indexed, audited and evented with the change) plus the MPI's
own index rows and topic events on the same connection. An error anywhere rolls all of it back,
so a refused operation changes nothing.

Concurrent writers (PostgreSQL; SQLite has one writer at a time anyway) are kept apart by the
locks of `store/mpi_locks`: link-on-ingest names up front the blocking keys and the source
record it files (`LockPlan`), so two registrations of one resident that could find each other
take turns and the second sees the first's person; each person a write changes is claimed when
it is marked for a rebuild — tried, never waited for — and a claim another writer holds, or a
person changed since this write read it, retries the whole write with that lock named up front
(`MpiWriter.run`). Operations without a plan (a clerk's merge, accept …) run alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any, Literal, TypeVar

import orjson

from kangtong.core.errors import NotFound
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.core.resource_ids import new_resource_id
from kangtong.fhir.access import AccessContext
from kangtong.fhir.changeset import Changeset
from kangtong.fhir.service import ResourceService
from kangtong.mpi.features import block_keys, decode_features, encode_features
from kangtong.mpi.normalise.record import IdentityRecord, PersonRecord, RecordNormaliser
from kangtong.mpi.person_resource import (
    MERGED_INTO,
    Member,
    RecordStatus,
    person_resource,
    record_status_of,
)
from kangtong.mpi.schema import LinkageSchema
from kangtong.store.mpi_curation import MpiCurationStore, ReviewRow
from kangtong.store.mpi_index import IndexedPerson, MpiIndexStore, SourceLink
from kangtong.store.mpi_locks import person_lock, take_in_order, take_mpi_wide, try_take
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import OutboxEvent

T = TypeVar("T")
EMPTY_FEATURES = encode_features(PersonRecord("", "golden", None, None, (), None, None, None))
NORMALISED_CACHE = 4096  # source records whose normalised form a writer keeps (rebuilds)
KEYED_ATTEMPTS = 4  # keyed tries before a write runs alone (MPI-wide lock, exclusive)


@dataclass(frozen=True)
class LockPlan:
    """The locks a keyed MPI write takes up front (besides the MPI-wide lock, shared)."""

    locks: frozenset[int] = frozenset()

    def adding(self, more: Iterable[int]) -> LockPlan:
        return LockPlan(self.locks | frozenset(more))


class LockSetGrew(Exception):
    """A lock this write found it needs is another writer's, or what it read has changed since:
    the write is retried with `locks` taken up front."""

    def __init__(self, locks: Iterable[int]) -> None:
        super().__init__("MPI write retried with more locks")
        self.locks = frozenset(locks)


class Unread(Enum):
    """A value the caller has not read (as opposed to one it read and found absent)."""

    UNREAD = 0


def encode_identity(record: IdentityRecord, identifiers: list[tuple[str, str]]) -> bytes:
    fields: list[object] = [record.record_id, record.source, record.name, record.sex,
                            record.birth_date, record.id_number, record.phone, record.address]  # fmt: skip
    if record.id_flagged:  # only then: what was filed before the flag existed reads the same
        fields.append(True)
    return orjson.dumps({"r": fields, "i": identifiers})


def decode_identity(raw: bytes) -> tuple[IdentityRecord, tuple[tuple[str, str], ...]]:
    data = orjson.loads(raw)
    return IdentityRecord(*data["r"]), tuple((s, v) for s, v in data["i"])


@dataclass
class MpiWrite:
    """The state of one MPI write transaction; persons touched are rebuilt once, at the end."""

    changes: Changeset
    index: MpiIndexStore
    curation: MpiCurationStore
    schema: LinkageSchema[PersonRecord]
    normalise: Callable[[IdentityRecord], PersonRecord]
    now_us: int
    dirty: dict[int, str] = field(default_factory=dict)  # person pk → person id
    statuses: dict[str, RecordStatus] = field(default_factory=dict)
    merged_into: dict[str, str | None] = field(default_factory=dict)
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # What this write has already read (index rows, parsed Persons), so nothing is read twice.
    persons: dict[int, IndexedPerson] = field(default_factory=dict)
    stored: dict[str, JsonObject | None] = field(default_factory=dict)
    # Locking: None runs alone (MPI-wide lock exclusive); else the locks held so far.
    plan: LockPlan | None = None
    held: set[int] = field(default_factory=set)
    created: set[int] = field(default_factory=set)  # persons new in this write (no one else's)

    @property
    def conn(self) -> Any:
        return self.changes.conn

    # -- reading -----------------------------------------------------------------------
    def person(self, person_id: str) -> IndexedPerson:
        known = next((p for p in self.persons.values() if p.person_id == person_id), None)
        if known is not None:
            return known
        found = self.index.person(self.conn, person_id)
        if found is None:
            raise NotFound(f"Person/{person_id} is not a master person of this index")
        self.persons[found.pk] = found
        return found

    def known(self, person: IndexedPerson) -> IndexedPerson:
        """Remember an index row read in this transaction (a candidate) for the rebuild."""
        self.persons.setdefault(person.pk, person)
        return person

    def stored_person(self, person_id: str) -> JsonObject | None:
        """The stored Person, parsed once per write."""
        if person_id not in self.stored:
            current = self.changes.current("Person", person_id)
            content = None if current is None or current.deleted else current.content
            self.stored[person_id] = None if content is None else parse_fhir_json(content)
        return self.stored[person_id]

    def status(self, person_id: str) -> RecordStatus:
        if person_id not in self.statuses:
            self.statuses[person_id] = record_status_of(self.stored_person(person_id))
        return self.statuses[person_id]

    # -- locking -----------------------------------------------------------------------
    def claim(self, pk: int) -> None:
        """Lock a person this write changes. Never waits: a person another writer holds, or
        one that changed since this write read it, retries the write with its lock up front."""
        if self.plan is None or pk in self.created:
            return
        lock = person_lock(pk)
        if lock in self.held:
            return
        if not try_take(self.conn, lock):
            raise LockSetGrew({lock})
        self.held.add(lock)
        seen = self.persons.get(pk)
        if seen is not None:  # read before the lock: is it still what this write decided on?
            current = self.index.person(self.conn, seen.person_id)
            if current is None or current.features != seen.features:
                raise LockSetGrew({lock})

    # -- changing ----------------------------------------------------------------------
    def new_person(self) -> IndexedPerson:
        person_id = new_resource_id()
        pk = self.index.add_person(self.conn, person_id, EMPTY_FEATURES, [], self.now_us)
        self.statuses[person_id] = RecordStatus()
        self.merged_into[person_id] = None
        self.stored[person_id] = None
        self.created.add(pk)
        self.dirty[pk] = person_id
        person = IndexedPerson(pk, person_id, EMPTY_FEATURES)
        self.persons[pk] = person
        return person

    def file_source(
        self,
        link: SourceLink,
        person: IndexedPerson,
        previous: SourceLink | Literal[Unread.UNREAD] | None = Unread.UNREAD,
    ) -> None:
        """Save `link` under `person`, marking the old and the new person for a rebuild.
        `previous` is the link it replaces when the caller has read it already (None: a new
        source record)."""
        if previous is Unread.UNREAD:
            previous = self.index.source(self.conn, link.patient_id)
        self.claim(person.pk)
        if previous is not None and previous.person_pk != person.pk:
            self.claim(previous.person_pk)
            self.dirty.setdefault(previous.person_pk, "")
        self.index.save_source(self.conn, link, new=previous is None)
        self.dirty[person.pk] = person.person_id

    def remove_source(self, link: SourceLink) -> None:
        """Take a source record out of the index (its Patient is gone); its person is rebuilt
        from the records left, and deactivated when none is."""
        self.claim(link.person_pk)
        self.index.delete_source(self.conn, link.patient_id)
        self.dirty.setdefault(link.person_pk, "")

    def touch(self, person: IndexedPerson) -> None:
        self.claim(person.pk)
        self.dirty[person.pk] = person.person_id

    def queue_review(
        self, patient_id: str, person_id: str, score: float, evidence: str
    ) -> ReviewRow:
        """Ask a clerk whether the source record belongs to `person_id` (人工审核)."""
        review = ReviewRow(
            new_resource_id(), patient_id, person_id, score, evidence, "open", self.now_us
        )
        self.curation.add_review(self.conn, review)
        self.announce(
            "mpi.review-queued",
            person_id,
            {"review": review.id, "patient": patient_id, "score": round(score, 2)},
        )
        return review

    def announce(self, topic: str, person_id: str, payload: dict[str, Any]) -> None:
        """A topic event (no personal data: ids, scores and methods only)."""
        self.events.append((topic, person_id, payload))

    # -- finishing -----------------------------------------------------------------------
    def finish(self) -> None:
        missing = [pk for pk, pid in self.dirty.items() if not pid]
        self.dirty.update(self.index.person_ids(self.conn, missing))
        versions = {pid: self._rebuild(pk, pid) for pk, pid in sorted(self.dirty.items())}
        OutboxStore().append(
            self.conn,
            [
                OutboxEvent(
                    topic, "Person", pid, versions.get(pid, 0), self.now_us, orjson.dumps(p)
                )
                for topic, pid, p in self.events
            ],
        )

    def _rebuild(self, pk: int, person_id: str) -> int:
        """Recompute the golden record from the sources; refile the index; store the Person."""
        links = self.index.sources_of(self.conn, pk)
        members = [self._member(link) for link in links]
        if person_id not in self.merged_into:
            self.merged_into[person_id] = merged_into_of(self.stored_person(person_id))
        merged_into = self.merged_into[person_id]
        golden = self.schema.golden_record([m.record for m in members]) if members else None
        old = self.person(person_id)
        old_keys = (
            []
            if old.features == EMPTY_FEATURES
            else block_keys(decode_features(old.features), self.schema.blocking_rules)
        )
        live = golden is not None and merged_into is None
        new_features = encode_features(golden) if golden is not None else EMPTY_FEATURES
        new_keys = block_keys(golden, self.schema.blocking_rules) if live and golden else []
        self.index.refile_person(self.conn, pk, new_features, old_keys, new_keys, self.now_us)
        resource = person_resource(person_id, golden, members, self.status(person_id), merged_into)
        outcome = self.changes.update("Person", person_id, resource)
        return outcome.resource.version

    def _member(self, link: SourceLink) -> Member:
        identity, identifiers = decode_identity(link.identity)
        score = link.score if link.score is not None and math.isfinite(link.score) else None
        return Member(
            link.patient_id,
            identity,
            identifiers,
            self.normalise(identity),
            score,
            link.evidence,
            link.method,
        )


def merged_into_of(person: JsonObject | None) -> str | None:
    """The surviving Person a merged Person points to (None: not merged)."""
    for extension in (person or {}).get("extension") or []:
        if extension.get("url") == MERGED_INTO:
            return str(extension["valueReference"]["reference"]).removeprefix("Person/")
    return None


class MpiWriter:
    """Opens MPI write transactions over the resource service."""

    def __init__(
        self,
        service: ResourceService,
        schema: LinkageSchema[PersonRecord],
        normaliser: RecordNormaliser,
    ) -> None:
        self.service = service
        self.schema = schema
        self.normaliser = normaliser
        self.index = MpiIndexStore()
        self.curation = MpiCurationStore()
        # A person's golden record is rebuilt from its members' registrations at every change;
        # the members registered lately are normalised once, not at every rebuild.
        self.normalise = lru_cache(maxsize=NORMALISED_CACHE)(normaliser.normalise)
        self.retries = 0  # keyed writes retried with more locks (contention; benchmarks read it)
        self.alone = 0  # keyed writes that ran alone after `KEYED_ATTEMPTS`

    @contextmanager
    def write(self, ctx: AccessContext, plan: LockPlan | None = None) -> Iterator[MpiWrite]:
        """One MPI write transaction. Without a plan it runs alone (the MPI-wide lock taken
        exclusively); with one, beside other keyed writes (see the module docstring)."""
        with self.service.changeset(ctx) as changes:
            take_mpi_wide(changes.conn, exclusive=plan is None)
            if plan is not None:
                take_in_order(changes.conn, plan.locks)
            now_us = _now_us(self.service)
            unit = MpiWrite(changes, self.index, self.curation, self.schema, self.normalise, now_us)
            unit.plan = plan
            unit.held = set(() if plan is None else plan.locks)
            yield unit
            unit.finish()

    def run(self, ctx: AccessContext, plan: LockPlan, operation: Callable[[MpiWrite], T]) -> T:
        """`operation` in a keyed write, retried with the locks it found it needs; after
        `KEYED_ATTEMPTS` it runs alone, so it always finishes."""
        for _ in range(KEYED_ATTEMPTS):
            try:
                with self.write(ctx, plan) as unit:
                    return operation(unit)
            except LockSetGrew as grew:
                self.retries += 1
                plan = plan.adding(grew.locks)
        self.alone += 1
        with self.write(ctx) as unit:
            return operation(unit)


def _now_us(service: ResourceService) -> int:
    moment = service.clock.now()
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
