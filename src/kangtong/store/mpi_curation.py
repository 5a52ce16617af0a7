"""SQL of the MPI's review queue (人工审核), merge records and trained model (the only place
that reads `mpi_review`, `mpi_merge` and `mpi_model`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, case, func, insert, select, update

from kangtong.store.mpi_tables import mpi_merge, mpi_model, mpi_review


@dataclass(frozen=True, slots=True)
class ReviewRow:
    id: str
    patient_id: str
    person_id: str
    score: float
    evidence: str
    status: str  # open | accepted | rejected | withdrawn
    created: int
    decided: int | None = None
    decided_by: str | None = None


@dataclass(frozen=True, slots=True)
class MergeRow:
    id: str
    survivor_id: str
    merged_id: str
    patients: tuple[str, ...]
    status: str  # merged | unmerged
    created: int
    actor: str
    undone: int | None = None


@dataclass(frozen=True, slots=True)
class StoredModel:
    trained: int
    records: int
    content: bytes


class MpiCurationStore:
    # -- review queue ---------------------------------------------------------------------
    def add_review(self, conn: Connection, row: ReviewRow) -> None:
        conn.execute(insert(mpi_review).values(**_values(row)))

    def count_reviews(self, conn: Connection, status: str) -> int:
        """How many reviews have `status` (a range of the status index)."""
        query = select(func.count()).select_from(mpi_review).where(mpi_review.c.status == status)
        return int(conn.execute(query).scalar_one())

    def review(self, conn: Connection, review_id: str) -> ReviewRow | None:
        found = conn.execute(select(mpi_review).where(mpi_review.c.id == review_id))
        row = found.mappings().first()
        return None if row is None else ReviewRow(**row)

    def reviews(self, conn: Connection, status: str, limit: int, offset: int) -> list[ReviewRow]:
        rows = conn.execute(
            select(mpi_review)
            .where(mpi_review.c.status == status)
            .order_by(mpi_review.c.created, mpi_review.c.id)
            .limit(limit)
            .offset(offset)
        )
        return [ReviewRow(**row) for row in rows.mappings()]

    def reviews_of_patient(self, conn: Connection, patient_id: str) -> list[ReviewRow]:
        rows = conn.execute(select(mpi_review).where(mpi_review.c.patient_id == patient_id))
        return [ReviewRow(**row) for row in rows.mappings()]

    def withdraw_reviews(
        self,
        conn: Connection,
        at: int,
        *,
        patient_id: str | None = None,
        person_id: str | None = None,
    ) -> list[ReviewRow]:
        """Close the open reviews of a source record or of a candidate person that is gone
        (status `withdrawn`, decided by the MPI itself); returns the reviews closed."""
        which = mpi_review.c.patient_id == patient_id
        if person_id is not None:
            which = mpi_review.c.person_id == person_id
        query = select(mpi_review).where(which, mpi_review.c.status == "open")
        found = [ReviewRow(**row) for row in conn.execute(query).mappings()]
        if found:
            conn.execute(
                update(mpi_review)
                .where(mpi_review.c.id.in_([r.id for r in found]), mpi_review.c.status == "open")
                .values(status="withdrawn", decided=at, decided_by="mpi")
            )
        return found

    def decide_review(
        self, conn: Connection, review_id: str, status: str, at: int, by: str
    ) -> bool:
        """Close an open review; False when it was not open any more (decided concurrently)."""
        done = conn.execute(
            update(mpi_review)
            .where(mpi_review.c.id == review_id, mpi_review.c.status == "open")
            .values(status=status, decided=at, decided_by=by)
        )
        return done.rowcount == 1

    # -- merges ---------------------------------------------------------------------------
    def add_merge(self, conn: Connection, row: MergeRow) -> None:
        values = _values(row)
        values["patients"] = " ".join(row.patients)
        conn.execute(insert(mpi_merge).values(**values))

    def merge(self, conn: Connection, merge_id: str) -> MergeRow | None:
        found = conn.execute(select(mpi_merge).where(mpi_merge.c.id == merge_id))
        row = found.mappings().first()
        return None if row is None else _merge(row)

    def undo_merge(self, conn: Connection, merge_id: str, at: int) -> bool:
        done = conn.execute(
            update(mpi_merge)
            .where(mpi_merge.c.id == merge_id, mpi_merge.c.status == "merged")
            .values(status="unmerged", undone=at)
        )
        return done.rowcount == 1

    # -- the trained model ----------------------------------------------------------------
    def save_model(self, conn: Connection, name: str, model: StoredModel) -> int:
        """Store (replace) the model; returns its stamp. `trained` doubles as the model's
        version: every save stores a stamp greater than the one it replaces (even with a clock
        that stands still), so a process can tell a retrain by reading one integer."""
        trained = mpi_model.c.trained
        stamp = case((trained < model.trained, model.trained), else_=trained + 1)
        done = conn.execute(
            update(mpi_model)
            .where(mpi_model.c.name == name)
            .values(trained=stamp, records=model.records, content=model.content)
        )
        if done.rowcount == 0:
            conn.execute(
                insert(mpi_model).values(
                    name=name, trained=model.trained, records=model.records, content=model.content
                )
            )
        found = self.model_stamp(conn, name)
        assert found is not None
        return found

    def model_stamp(self, conn: Connection, name: str) -> int | None:
        """The stored model's stamp (None: none stored): a cheap check for a retrain."""
        row = conn.execute(select(mpi_model.c.trained).where(mpi_model.c.name == name)).first()
        return None if row is None else int(row.trained)

    def model(self, conn: Connection, name: str) -> StoredModel | None:
        row = conn.execute(select(mpi_model).where(mpi_model.c.name == name)).first()
        return None if row is None else StoredModel(row.trained, row.records, bytes(row.content))


def _values(row: object) -> dict[str, object]:
    return {name: getattr(row, name) for name in row.__slots__}  # type: ignore[attr-defined]


def _merge(row: RowMapping) -> MergeRow:
    values = dict(row)
    values["patients"] = tuple(str(values["patients"]).split())
    return MergeRow(**values)
