"""SQL of the MPI's blocking index and source links (the only place that reads `mpi_person`,
`mpi_block` and `mpi_source`).

A match is one indexed query: the hashed blocking keys of the incoming record → the persons
filed under them, with their golden-record features, so scoring needs no resource JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from kangtong.store.mpi_tables import mpi_block, mpi_person, mpi_source

BULK_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class IndexedPerson:
    pk: int
    person_id: str
    features: bytes


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


class MpiIndexStore:
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
        conn.execute(
            update(mpi_person).where(mpi_person.c.pk == pk).values(features=features, updated=now)
        )

    def remove_keys(self, conn: Connection, pk: int, keys: Iterable[int]) -> None:
        """Take a person out of these blocks (a merged-away or emptied person)."""
        rows = [{"k": key, "p": pk} for key in keys]
        if rows:
            conn.execute(
                delete(mpi_block).where(
                    mpi_block.c.key == bindparam("k"), mpi_block.c.person_pk == bindparam("p")
                ),
                rows,
            )

    def _add_keys(self, conn: Connection, pk: int, keys: Iterable[int]) -> None:
        rows = [{"key": key, "person_pk": pk} for key in sorted(set(keys))]
        if rows:
            conn.execute(insert(mpi_block), rows)

    def person(self, conn: Connection, person_id: str) -> IndexedPerson | None:
        row = conn.execute(
            select(mpi_person.c.pk, mpi_person.c.person_id, mpi_person.c.features).where(
                mpi_person.c.person_id == person_id
            )
        ).first()
        return None if row is None else IndexedPerson(row.pk, row.person_id, bytes(row.features))

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
        """Persons filed under any of `keys`; a block larger than `max_block_size` is skipped
        (a very common key, like a common name and birth year, says too little to be worth it)."""
        # Block membership first, at most `max_block_size + 1` rows per key from the primary
        # key's index: an oversized block (a common name and birth year) costs one short read
        # and is dropped, instead of fetching every member's features only to skip them.
        person_pks: dict[int, None] = {}
        for key in sorted(set(keys)):
            members = (
                conn.execute(
                    select(mpi_block.c.person_pk)
                    .where(mpi_block.c.key == key)
                    .limit(max_block_size + 1)
                )
                .scalars()
                .all()
            )
            if len(members) <= max_block_size:
                person_pks.update(dict.fromkeys(members))
        if not person_pks:
            return []
        rows = conn.execute(
            select(mpi_person.c.pk, mpi_person.c.person_id, mpi_person.c.features).where(
                mpi_person.c.pk.in_(list(person_pks))
            )
        ).all()
        by_pk = {row.pk: row for row in rows}
        return [
            IndexedPerson(pk, by_pk[pk].person_id, bytes(by_pk[pk].features))
            for pk in person_pks
            if pk in by_pk
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

    def max_person_pk(self, conn: Connection) -> int:
        return int(conn.execute(select(func.coalesce(func.max(mpi_person.c.pk), 0))).scalar_one())

    # -- source links ---------------------------------------------------------------------
    def source(self, conn: Connection, patient_id: str) -> SourceLink | None:
        row = conn.execute(select(mpi_source).where(mpi_source.c.patient_id == patient_id)).first()
        return None if row is None else _link(row._mapping)

    def sources_of(self, conn: Connection, person_pk: int) -> list[SourceLink]:
        """The person's source links, most recently linked first."""
        rows = conn.execute(
            select(mpi_source)
            .where(mpi_source.c.person_pk == person_pk)
            .order_by(mpi_source.c.linked.desc(), mpi_source.c.patient_id)
        )
        return [_link(row._mapping) for row in rows]

    def sources_of_many(self, conn: Connection, person_pks: Sequence[int]) -> list[SourceLink]:
        if not person_pks:
            return []
        rows = conn.execute(select(mpi_source).where(mpi_source.c.person_pk.in_(person_pks)))
        return [_link(row._mapping) for row in rows]

    def save_source(self, conn: Connection, link: SourceLink) -> None:
        """Insert or replace the link of `link.patient_id`."""
        values = {
            "person_pk": link.person_pk,
            "patient_version": link.patient_version,
            "identity": link.identity,
            "score": link.score,
            "evidence": link.evidence,
            "method": link.method,
            "linked": link.linked,
        }
        done = conn.execute(
            update(mpi_source).where(mpi_source.c.patient_id == link.patient_id).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(mpi_source).values(patient_id=link.patient_id, **values))

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
