"""归档 — one MPI write: links move, golden records are rebuilt, Persons stored, events queued.

Everything an MPI operation changes happens in one `MpiWrite`: the resource service's changeset
(so Person versions are validated, indexed, audited and evented with the change) plus the MPI's
own index rows and topic events on the same connection. An error anywhere rolls all of it back,
so a refused operation changes nothing. Writers take an MPI-wide lock (PostgreSQL; SQLite has
one writer at a time anyway), so two registrations of one resident cannot both found a person.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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
from kangtong.store.locks import hold_until_commit
from kangtong.store.mpi_curation import MpiCurationStore, ReviewRow
from kangtong.store.mpi_index import IndexedPerson, MpiIndexStore, SourceLink
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import OutboxEvent

MPI_LOCK = "mpi:write"
EMPTY_FEATURES = encode_features(PersonRecord("", "golden", None, None, (), None, None, None))


def encode_identity(record: IdentityRecord, identifiers: list[tuple[str, str]]) -> bytes:
    fields = [record.record_id, record.source, record.name, record.sex, record.birth_date,
              record.id_number, record.phone, record.address]  # fmt: skip
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
    normaliser: RecordNormaliser
    now_us: int
    dirty: dict[int, str] = field(default_factory=dict)  # person pk → person id
    statuses: dict[str, RecordStatus] = field(default_factory=dict)
    merged_into: dict[str, str | None] = field(default_factory=dict)
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def conn(self) -> Any:
        return self.changes.conn

    # -- reading -----------------------------------------------------------------------
    def person(self, person_id: str) -> IndexedPerson:
        found = self.index.person(self.conn, person_id)
        if found is None:
            raise NotFound(f"Person/{person_id} is not a master person of this index")
        return found

    def stored_person(self, person_id: str) -> JsonObject | None:
        current = self.changes.current("Person", person_id)
        if current is None or current.content is None:
            return None
        return parse_fhir_json(current.content)

    def status(self, person_id: str) -> RecordStatus:
        if person_id not in self.statuses:
            self.statuses[person_id] = record_status_of(self.stored_person(person_id))
        return self.statuses[person_id]

    # -- changing ----------------------------------------------------------------------
    def new_person(self) -> IndexedPerson:
        person_id = new_resource_id()
        pk = self.index.add_person(self.conn, person_id, EMPTY_FEATURES, [], self.now_us)
        self.statuses[person_id] = RecordStatus()
        self.dirty[pk] = person_id
        return IndexedPerson(pk, person_id, EMPTY_FEATURES)

    def file_source(self, link: SourceLink, person: IndexedPerson) -> None:
        """Save `link` under `person`, marking the old and the new person for a rebuild."""
        previous = self.index.source(self.conn, link.patient_id)
        if previous is not None and previous.person_pk != person.pk:
            self.dirty.setdefault(previous.person_pk, "")
        self.index.save_source(self.conn, link)
        self.dirty[person.pk] = person.person_id

    def touch(self, person: IndexedPerson) -> None:
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
        merged_into = self.merged_into.get(person_id, merged_into_of(self.stored_person(person_id)))
        golden = self.schema.golden_record([m.record for m in members]) if members else None
        old = self.index.person(self.conn, person_id)
        assert old is not None
        old_keys = block_keys(decode_features(old.features), self.schema.blocking_rules)
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
            self.normaliser.normalise(identity),
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

    @contextmanager
    def write(self, ctx: AccessContext) -> Iterator[MpiWrite]:
        with self.service.changeset(ctx) as changes:
            hold_until_commit(changes.conn, [MPI_LOCK])
            now_us = _now_us(self.service)
            unit = MpiWrite(
                changes, self.index, self.curation, self.schema, self.normaliser, now_us
            )
            yield unit
            unit.finish()


def _now_us(service: ResourceService) -> int:
    moment = service.clock.now()
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
