"""人工维护 — the clerk's side of the MPI: the review queue, manual link / unlink, merge / unmerge.

Every operation is one `MpiWrite`: reversible (accept ↔ unlink, link ↔ link back, merge ↔
unmerge, which restores exactly the links the merge moved), stored as new Person versions
(so audited and evented by the resource service) and announced with an `mpi.*` topic event.
A refused operation raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable

from kangtong.core.errors import Conflict, Invalid, NotFound
from kangtong.core.resource_ids import new_resource_id
from kangtong.fhir.access import AccessContext
from kangtong.mpi.features import decode_features
from kangtong.mpi.filing import MpiWrite, MpiWriter, decode_identity, merged_into_of
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.matcher import CandidateScorer
from kangtong.mpi.normalise.record import PersonRecord
from kangtong.store.mpi_curation import MergeRow, ReviewRow
from kangtong.store.mpi_index import IndexedPerson, SourceLink

REVIEW_STATUSES = ("open", "accepted", "rejected", "withdrawn")


class Curation:
    def __init__(
        self,
        writer: MpiWriter,
        scorer: Callable[[], CandidateScorer[PersonRecord] | None],
        settings: LinkerSettings,
    ) -> None:
        self.writer = writer
        self.scorer = scorer
        self.settings = settings

    # -- review queue -------------------------------------------------------------------
    def reviews(self, ctx: AccessContext, status: str, count: int, offset: int) -> list[ReviewRow]:
        if status not in REVIEW_STATUSES:
            raise Invalid(f"status must be one of {', '.join(REVIEW_STATUSES)}")
        self.writer.service.authorize(ctx, "search", "Person", None)
        with self.writer.service.db.read() as conn:
            return self.writer.curation.reviews(conn, status, count, offset)

    def accept(self, ctx: AccessContext, review_id: str) -> ReviewRow:
        """The clerk confirms: the source record moves to the candidate person."""
        with self.writer.write(ctx) as unit:
            review = self._open_review(unit, review_id)
            target = self._live(unit, review.person_id)
            source = self._source(unit, review.patient_id)
            moved = _moved(source, target.pk, "review", review.score, review.evidence, unit.now_us)
            unit.file_source(moved, target)
            self._decide(unit, review, "accepted", ctx)
        return self._review(review_id)

    def reject(self, ctx: AccessContext, review_id: str) -> ReviewRow:
        """The clerk refuses: the two stay apart, and ingest never proposes the pair again."""
        with self.writer.write(ctx) as unit:
            review = self._open_review(unit, review_id)
            # Nothing of the Person changes, so the changeset would neither authorise nor
            # audit it: a reject is decided by those who may write that Person, on the record.
            unit.changes.decide_about("Person", review.person_id)
            self._decide(unit, review, "rejected", ctx)
        return self._review(review_id)

    # -- manual link / unlink -------------------------------------------------------------
    def link(self, ctx: AccessContext, patient_id: str, person_id: str) -> str:
        """Put a source record under `person_id` (its old person keeps the rest)."""
        with self.writer.write(ctx) as unit:
            target = self._live(unit, person_id)
            source = self._source(unit, patient_id)
            if source.person_pk == target.pk:
                return person_id  # already there: nothing to change
            score, evidence = self._evidence(unit, source, target)
            unit.file_source(
                _moved(source, target.pk, "manual", score, evidence, unit.now_us), target
            )
            unit.announce("mpi.linked", person_id, {"patient": patient_id, "method": "manual"})
        return person_id

    def unlink(self, ctx: AccessContext, patient_id: str) -> str:
        """Take a source record out of its person into a new person of its own."""
        with self.writer.write(ctx) as unit:
            source = self._source(unit, patient_id)
            if len(unit.index.sources_of(unit.conn, source.person_pk)) < 2:
                raise Conflict(f"Patient/{patient_id} is its person's only source record")
            old_id = unit.index.person_ids(unit.conn, [source.person_pk])[source.person_pk]
            person = unit.new_person()
            unit.file_source(_moved(source, person.pk, "manual", None, "", unit.now_us), person)
            unit.announce("mpi.unlinked", old_id, {"patient": patient_id, "to": person.person_id})
        return person.person_id

    # -- merge / unmerge ------------------------------------------------------------------
    def merge(self, ctx: AccessContext, survivor_id: str, merged_id: str) -> MergeRow:
        """Merge `merged_id` into `survivor_id`: its source records move (links unchanged), it
        becomes inactive with a link to the survivor."""
        if survivor_id == merged_id:
            raise Invalid("A person cannot be merged into itself")
        with self.writer.write(ctx) as unit:
            survivor = self._live(unit, survivor_id)
            merged = self._live(unit, merged_id)
            sources = unit.index.sources_of(unit.conn, merged.pk)
            for source in sources:
                unit.file_source(_relinked(source, survivor.pk), survivor)
            unit.touch(merged)
            unit.merged_into[merged_id] = survivor_id
            row = MergeRow(
                new_resource_id(), survivor_id, merged_id,
                tuple(s.patient_id for s in sources), "merged", unit.now_us, ctx.principal,
            )  # fmt: skip
            unit.curation.add_merge(unit.conn, row)
            unit.announce("mpi.merged", survivor_id, {"merge": row.id, "merged": merged_id})
        return row

    def unmerge(self, ctx: AccessContext, merge_id: str) -> MergeRow:
        """Undo a merge: the moved source records go back, the merged person is active again."""
        with self.writer.write(ctx) as unit:
            row = unit.curation.merge(unit.conn, merge_id)
            if row is None:
                raise NotFound(f"No merge {merge_id}")
            if not unit.curation.undo_merge(unit.conn, merge_id, unit.now_us):
                raise Conflict(f"Merge {merge_id} has already been undone")
            survivor = unit.person(row.survivor_id)
            merged = unit.person(row.merged_id)
            for patient_id in row.patients:
                source = unit.index.source(unit.conn, patient_id)
                if source is not None and source.person_pk == survivor.pk:
                    unit.file_source(_relinked(source, merged.pk), merged)
            unit.touch(merged)
            unit.touch(survivor)
            unit.merged_into[row.merged_id] = None
            unit.announce(
                "mpi.unmerged", row.survivor_id, {"merge": merge_id, "restored": row.merged_id}
            )
        return self._merge(merge_id)

    # -- helpers --------------------------------------------------------------------------
    def _open_review(self, unit: MpiWrite, review_id: str) -> ReviewRow:
        review = unit.curation.review(unit.conn, review_id)
        if review is None:
            raise NotFound(f"No review {review_id}")
        if review.status != "open":
            raise Conflict(f"Review {review_id} was already {review.status}")
        return review

    def _decide(self, unit: MpiWrite, review: ReviewRow, status: str, ctx: AccessContext) -> None:
        if not unit.curation.decide_review(
            unit.conn, review.id, status, unit.now_us, ctx.principal
        ):
            raise Conflict(f"Review {review.id} was decided concurrently")
        topic = "mpi.review-accepted" if status == "accepted" else "mpi.review-rejected"
        unit.announce(topic, review.person_id, {"review": review.id, "patient": review.patient_id})

    def _live(self, unit: MpiWrite, person_id: str) -> IndexedPerson:
        """A person that can take source records: known to the index and not merged away."""
        person = unit.person(person_id)
        if merged_into_of(unit.stored_person(person_id)) is not None:
            raise Conflict(f"Person/{person_id} has been merged into another person")
        return person

    def _source(self, unit: MpiWrite, patient_id: str) -> SourceLink:
        source = unit.index.source(unit.conn, patient_id)
        if source is None:
            raise NotFound(f"Patient/{patient_id} has not been linked by the MPI yet")
        return source

    def _evidence(
        self, unit: MpiWrite, source: SourceLink, target: IndexedPerson
    ) -> tuple[float | None, str]:
        scorer = self.scorer()
        if scorer is None:
            return None, ""
        record = unit.normalise(decode_identity(source.identity)[0])
        ranked = scorer.rank(record, [(target.person_id, decode_features(target.features))])
        return ranked[0].score, scorer.evidence(ranked[0].levels)

    def _review(self, review_id: str) -> ReviewRow:
        with self.writer.service.db.read() as conn:
            found = self.writer.curation.review(conn, review_id)
        assert found is not None
        return found

    def _merge(self, merge_id: str) -> MergeRow:
        with self.writer.service.db.read() as conn:
            found = self.writer.curation.merge(conn, merge_id)
        assert found is not None
        return found


def _moved(
    source: SourceLink, person_pk: int, method: str, score: float | None, evidence: str, now: int
) -> SourceLink:
    return SourceLink(
        source.patient_id, person_pk, source.patient_version, source.identity, score, evidence,
        method, now,
    )  # fmt: skip


def _relinked(source: SourceLink, person_pk: int) -> SourceLink:
    """The same link under another person (merge/unmerge keep score, evidence and method)."""
    return SourceLink(
        source.patient_id, person_pk, source.patient_version, source.identity, source.score,
        source.evidence, source.method, source.linked,
    )  # fmt: skip
