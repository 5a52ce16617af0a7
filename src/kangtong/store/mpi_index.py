"""SQL of the MPI's blocking index and source links (the only place that reads `mpi_person`,
`mpi_block` and `mpi_source`).

A match is one indexed query: the hashed blocking keys of the incoming record → the persons
filed under them, with their golden-record features and how many keys they share, so scoring
needs no resource JSON. That query is compiled once per number of keys and database, then run
as plain SQL: building and compiling a statement cost more than running it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    CursorResult,
    Integer,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    union,
    update,
)
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util.typing import TupleAny

from kangtong.store.mpi_tables import mpi_block, mpi_person, mpi_source

BULK_ROWS = 5_000
KEY_BUCKET = 8  # candidate statements are compiled for 8, 16, 24 … keys


@dataclass(frozen=True, slots=True)
class IndexedPerson:
    pk: int
    person_id: str
    features: bytes
    shared: int = 0  # blocking keys shared with the record looked up (candidates only)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement compiled once for one database: its SQL text, parameter order and the values
    of the parameters the compiler added itself (SQLite's `OFFSET 0`). Only for parameters the
    driver takes as they are (numbers, strings, bytes, None)."""

    sql: str
    positions: tuple[str, ...] | None  # None: the driver takes named parameters
    fixed: dict[str, Any]

    @classmethod
    def compile(cls, conn: Connection, statement: ClauseElement, names: Iterable[str]) -> _Prepared:
        compiled = statement.compile(dialect=conn.dialect)
        assert isinstance(compiled, SQLCompiler)
        given = dict.fromkeys(names)
        added = compiled.construct_params(given) or {}
        fixed = {k: v for k, v in added.items() if k not in given}
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(str(compiled), positions, fixed)

    def run(self, conn: Connection, values: Mapping[str, Any]) -> CursorResult[*TupleAny]:
        return conn.exec_driver_sql(self.sql, self._parameters(values))

    def run_many(
        self, conn: Connection, rows: Sequence[Mapping[str, Any]]
    ) -> CursorResult[*TupleAny]:
        return conn.exec_driver_sql(self.sql, [self._parameters(row) for row in rows])

    def _parameters(self, values: Mapping[str, Any]) -> Any:
        merged = {**self.fixed, **values}
        if self.positions is None:
            return merged
        return tuple(merged[name] for name in self.positions)


@dataclass(frozen=True, slots=True)
class SourceLink:
    """A source Patient's link to its master person, as the MPI filed it."""

    patient_id: str
    person_pk: int
    patient_version: int
    identity: bytes
    score: float | None
    evidence: str
    method: str
    linked: int


def _candidates_statement(keys: int) -> ClauseElement:
    """Persons under any of `keys` blocking keys (parameters k0…, `cap`, `max_size`; a key may
    be repeated), with the number of distinct keys each shares, most first. Each block is read
    through the primary key's index and at most `cap` (= max_size + 1) rows deep, so an
    oversized block (a common name and birth year) costs one short read and is dropped whole."""
    members = []
    for i in range(keys):
        block = (
            select(mpi_block.c.key, mpi_block.c.person_pk)
            .where(mpi_block.c.key == bindparam(f"k{i}", type_=BigInteger))
            .limit(bindparam("cap", type_=Integer))
            .subquery(f"b{i}")
        )
        members.append(select(block.c.key, block.c.person_pk))
    hits = union(*members).cte("hits")
    sizes = select(hits.c.key, func.count().label("members")).group_by(hits.c.key).cte("sizes")
    shared = (
        select(hits.c.person_pk, func.count().label("shared"))
        .join(sizes, sizes.c.key == hits.c.key)
        .where(sizes.c.members <= bindparam("max_size", type_=Integer))
        .group_by(hits.c.person_pk)
        .subquery("shared")
    )
    return (
        select(mpi_person.c.pk, mpi_person.c.person_id, mpi_person.c.features, shared.c.shared)
        .join(shared, shared.c.person_pk == mpi_person.c.pk)
        .order_by(literal_column("shared").desc(), mpi_person.c.pk)
    )


# The statements of a match and of filing one record, built once (parameters by name) and
# compiled once per database by `MpiIndexStore._run`.
def _source_statement() -> ClauseElement:
    return select(mpi_source).where(mpi_source.c.patient_id == bindparam("patient_id"))


def _sources_of_statement() -> ClauseElement:
    return (
        select(mpi_source)
        .where(mpi_source.c.person_pk == bindparam("person_pk"))
        .order_by(mpi_source.c.linked.desc(), mpi_source.c.patient_id)
    )


_SOURCE_FIELDS = (
    "person_pk", "patient_version", "identity", "score", "evidence", "method", "linked"
)  # fmt: skip


def _insert_source_statement() -> ClauseElement:
    fields = ("patient_id", *_SOURCE_FIELDS)
    return insert(mpi_source).values({name: bindparam(name) for name in fields})


def _update_source_statement() -> ClauseElement:
    return (
        update(mpi_source)
        .where(mpi_source.c.patient_id == bindparam("patient_id"))
        .values({name: bindparam(name) for name in _SOURCE_FIELDS})
    )


def _delete_source_statement() -> ClauseElement:
    return delete(mpi_source).where(mpi_source.c.patient_id == bindparam("patient_id"))


def _person_statement() -> ClauseElement:
    return select(mpi_person.c.pk, mpi_person.c.person_id, mpi_person.c.features).where(
        mpi_person.c.person_id == bindparam("person_id")
    )


def _update_person_statement() -> ClauseElement:
    return (
        update(mpi_person)
        .where(mpi_person.c.pk == bindparam("pk"))
        .values(features=bindparam("features"), updated=bindparam("updated"))
    )


def _add_key_statement() -> ClauseElement:
    return insert(mpi_block).values(key=bindparam("key"), person_pk=bindparam("person_pk"))


def _remove_key_statement() -> ClauseElement:
    return delete(mpi_block).where(
        mpi_block.c.key == bindparam("key"), mpi_block.c.person_pk == bindparam("person_pk")
    )


_PATIENT_IDS_OF = (
    select(mpi_source.c.person_pk, mpi_source.c.patient_id)
    .where(mpi_source.c.person_pk.in_(bindparam("pks", expanding=True)))
    .order_by(mpi_source.c.person_pk, mpi_source.c.patient_id)
)


class MpiIndexStore:
    def __init__(self) -> None:
        self._prepared: dict[tuple[str, str], _Prepared] = {}

    def _run(
        self,
        conn: Connection,
        name: str,
        build: Callable[[], ClauseElement],
        values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    ) -> CursorResult[*TupleAny]:
        """Run a statement compiled once per database (with many rows: executemany)."""
        rows = [values] if isinstance(values, Mapping) else list(values)
        key = (conn.dialect.name, name)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = _Prepared.compile(conn, build(), rows[0])
        if isinstance(values, Mapping):
            return prepared.run(conn, values)
        return prepared.run_many(conn, rows)

    # -- persons and their blocking keys -----------------------------------------------
    def add_person(
        self, conn: Connection, person_id: str, features: bytes, keys: Iterable[int], now: int
    ) -> int:
        """File a new person under `keys`; returns its index key."""
        result = conn.execute(
            insert(mpi_person).values(person_id=person_id, features=features, updated=now)
        )
        pk = result.inserted_primary_key
        assert pk is not None
        person_pk = int(pk[0])
        self._add_keys(conn, person_pk, keys)
        return person_pk

    def refile_person(
        self,
        conn: Connection,
        pk: int,
        features: bytes,
        old_keys: Iterable[int],
        new_keys: Iterable[int],
        now: int,
    ) -> None:
        """Replace a person's features and move it from `old_keys` to `new_keys`."""
        old, new = set(old_keys), set(new_keys)
        self.remove_keys(conn, pk, old - new)
        self._add_keys(conn, pk, new - old)
        values = {"pk": pk, "features": features, "updated": now}
        self._run(conn, "update-person", _update_person_statement, values)

    def remove_keys(self, conn: Connection, pk: int, keys: Iterable[int]) -> None:
        """Take a person out of these blocks (a merged-away or emptied person)."""
        rows = [{"key": key, "person_pk": pk} for key in sorted(set(keys))]
        if rows:
            self._run(conn, "remove-key", _remove_key_statement, rows)

    def _add_keys(self, conn: Connection, pk: int, keys: Iterable[int]) -> None:
        rows = [{"key": key, "person_pk": pk} for key in sorted(set(keys))]
        if rows:
            self._run(conn, "add-key", _add_key_statement, rows)

    def person(self, conn: Connection, person_id: str) -> IndexedPerson | None:
        found = self._run(conn, "person", _person_statement, {"person_id": person_id}).first()
        return None if found is None else IndexedPerson(found[0], found[1], bytes(found[2]))

    def person_ids(self, conn: Connection, pks: Sequence[int]) -> dict[int, str]:
        if not pks:
            return {}
        rows = conn.execute(
            select(mpi_person.c.pk, mpi_person.c.person_id).where(mpi_person.c.pk.in_(pks))
        )
        return {row.pk: row.person_id for row in rows}

    def candidates(
        self, conn: Connection, keys: Iterable[int], max_block_size: int
    ) -> list[IndexedPerson]:
        """Persons filed under any of `keys`, those sharing the most keys first; a block larger
        than `max_block_size` is skipped (a very common key, like a common name and birth year,
        says too little to be worth it)."""
        unique = sorted(set(keys))
        if not unique:
            return []
        # Padded to a multiple of KEY_BUCKET by repeating the last key (the blocks are a UNION,
        # so a repeat adds nothing): a handful of statements cover every record.
        slots = -(-len(unique) // KEY_BUCKET) * KEY_BUCKET
        padded = unique + [unique[-1]] * (slots - len(unique))
        values: dict[str, Any] = {f"k{i}": key for i, key in enumerate(padded)}
        values["cap"] = max_block_size + 1
        values["max_size"] = max_block_size
        build = partial(_candidates_statement, slots)
        return [
            IndexedPerson(pk, person_id, bytes(features), shared)
            for pk, person_id, features, shared in self._run(
                conn, f"candidates-{slots}", build, values
            )
        ]

    def bulk_add_persons(
        self, conn: Connection, rows: Sequence[tuple[int, str, bytes, Iterable[int]]], now: int
    ) -> None:
        """Bulk load (pk, person_id, features, keys) with caller-chosen keys (benchmarks, imports)."""
        people = [
            {"pk": pk, "person_id": pid, "features": f, "updated": now} for pk, pid, f, _ in rows
        ]
        blocks = [{"key": key, "person_pk": pk} for pk, _, _, keys in rows for key in set(keys)]
        for start in range(0, len(people), BULK_ROWS):
            conn.execute(insert(mpi_person), people[start : start + BULK_ROWS])
        for start in range(0, len(blocks), BULK_ROWS):
            conn.execute(insert(mpi_block), blocks[start : start + BULK_ROWS])
        if conn.dialect.name == "postgresql" and people:
            # The pks were the caller's: move the sequence past them for later `add_person`s.
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('mpi_person', 'pk'), "
                    "(SELECT max(pk) FROM mpi_person))"
                )
            )

    def max_person_pk(self, conn: Connection) -> int:
        return int(conn.execute(select(func.coalesce(func.max(mpi_person.c.pk), 0))).scalar_one())

    # -- source links ---------------------------------------------------------------------
    def source(self, conn: Connection, patient_id: str) -> SourceLink | None:
        values = {"patient_id": patient_id}
        row = self._run(conn, "source", _source_statement, values).first()
        return None if row is None else _link(row._mapping)

    def sources_of(self, conn: Connection, person_pk: int) -> list[SourceLink]:
        """The person's source links, most recently linked first."""
        values = {"person_pk": person_pk}
        rows = self._run(conn, "sources-of", _sources_of_statement, values)
        return [_link(row._mapping) for row in rows]

    def patient_ids_of(self, conn: Connection, person_pks: Sequence[int]) -> dict[int, list[str]]:
        """The source Patient ids of each person (in id order), for answering a match."""
        found: dict[int, list[str]] = {pk: [] for pk in person_pks}
        if person_pks:
            rows = conn.execute(_PATIENT_IDS_OF, {"pks": list(person_pks)})
            for person_pk, patient_id in rows:
                found[person_pk].append(patient_id)
        return found

    def sources_of_many(self, conn: Connection, person_pks: Sequence[int]) -> list[SourceLink]:
        if not person_pks:
            return []
        rows = conn.execute(select(mpi_source).where(mpi_source.c.person_pk.in_(person_pks)))
        return [_link(row._mapping) for row in rows]

    def save_source(self, conn: Connection, link: SourceLink, *, new: bool = False) -> None:
        """Insert or replace the link of `link.patient_id` (`new`: the caller knows there is
        none yet, so it is inserted straight away)."""
        values = {
            "patient_id": link.patient_id,
            "person_pk": link.person_pk,
            "patient_version": link.patient_version,
            "identity": link.identity,
            "score": link.score,
            "evidence": link.evidence,
            "method": link.method,
            "linked": link.linked,
        }
        if not new:
            done = self._run(conn, "update-source", _update_source_statement, values)
            if done.rowcount == 1:
                return
        self._run(conn, "insert-source", _insert_source_statement, values)

    def delete_source(self, conn: Connection, patient_id: str) -> bool:
        """Forget a source record's link (its Patient was deleted); False when there was none."""
        values = {"patient_id": patient_id}
        return self._run(conn, "delete-source", _delete_source_statement, values).rowcount == 1

    def source_patient_ids(self, conn: Connection, after: str, limit: int) -> list[str]:
        """Patient ids of the source records filed, in order, from just after `after`."""
        rows = conn.execute(
            select(mpi_source.c.patient_id)
            .where(mpi_source.c.patient_id > after)
            .order_by(mpi_source.c.patient_id)
            .limit(limit)
        )
        return list(rows.scalars())

    def identities(self, conn: Connection, limit: int) -> list[bytes]:
        """Identity fields of up to `limit` source records (training)."""
        rows = conn.execute(
            select(mpi_source.c.identity).order_by(mpi_source.c.patient_id).limit(limit)
        )
        return [bytes(row.identity) for row in rows]


def _link(row: object) -> SourceLink:
    values = dict(row)  # type: ignore[call-overload]
    values["identity"] = bytes(values["identity"])
    return SourceLink(**values)
