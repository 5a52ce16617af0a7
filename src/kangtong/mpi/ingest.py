"""建档匹配 — link-on-ingest: what the MPI does with one new, changed or deleted source Patient.

A new source record is matched against the master persons and linked (certain), founds a
person of its own with a review queued (probable), or founds a person (otherwise). A record
seen before is matched again only when its identity changed, and a link a clerk vouched for
stays. Until the region's own model is trusted (`model_checks`), *certain* needs an exact valid
citizen ID; a match the model would otherwise link is queued for review.

Each decision is one keyed `MpiWrite` (`filing`): it locks the record's blocking keys and the
source record up front and claims the persons it changes, so concurrent linkers of one
resident take turns while linkers of different residents run side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from kangtong.fhir.access import AccessContext
from kangtong.mpi.features import block_keys
from kangtong.mpi.filing import LockPlan, MpiWrite, MpiWriter, decode_identity
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.matcher import ScoredCandidate
from kangtong.mpi.models import ActiveModel
from kangtong.mpi.normalise.record import PersonRecord
from kangtong.mpi.person_resource import VERIFIED_METHODS
from kangtong.mpi.review_rules import CERTAIN, PROBABLE, model_grade
from kangtong.store.mpi_curation import ReviewRow
from kangtong.store.mpi_index import IndexedPerson, SourceLink
from kangtong.store.mpi_locks import key_lock, source_lock

Ranked = list[ScoredCandidate[IndexedPerson]]
Ranker = Callable[[Connection, ActiveModel, PersonRecord, int | None], Ranked]


@dataclass(frozen=True)
class LinkDecision:
    """What link-on-ingest did with one source record."""

    patient_id: str
    person_id: str
    outcome: str  # linked | new | review | updated | relinked | unchanged | removed
    score: float | None = None
    review_id: str | None = None


@dataclass(frozen=True)
class Registration:
    """A source Patient as the MPI files it."""

    patient_id: str
    version: int
    record: PersonRecord
    raw: bytes  # the identity fields and identifiers as filed (`encode_identity`)


class SourceFiler:
    def __init__(self, writer: MpiWriter, settings: LinkerSettings, rank: Ranker) -> None:
        self.writer = writer
        self.settings = settings
        self.rank = rank

    def plan(self, registration: Registration) -> LockPlan:
        """The locks of filing `registration`: its blocking keys and the source record."""
        keys = block_keys(registration.record, self.writer.schema.blocking_rules)
        return LockPlan(
            frozenset({source_lock(registration.patient_id), *(key_lock(k) for k in keys)})
        )

    def link(
        self, ctx: AccessContext, registration: Registration, active: ActiveModel
    ) -> LinkDecision:
        def file(unit: MpiWrite) -> LinkDecision:
            existing = unit.index.source(unit.conn, registration.patient_id)
            if existing is not None:
                return self._refresh(unit, existing, registration, active)
            ranked = self.rank(unit.conn, active, registration.record, None)
            best = self._best(unit, registration.patient_id, ranked)
            return self._file_new(unit, registration, best, active, previous=None)

        return self.writer.run(ctx, self.plan(registration), file)

    def remove(self, ctx: AccessContext, patient_id: str) -> LinkDecision | None:
        """Take a deleted source Patient out (see `MpiService.remove_source_record`)."""
        with self.writer.service.db.read() as conn:
            if self.writer.index.source(conn, patient_id) is None:
                return None  # never linked, or already removed: nothing to take a lock for

        def take_out(unit: MpiWrite) -> LinkDecision | None:
            existing = unit.index.source(unit.conn, patient_id)
            if existing is None:
                return None
            person_id = unit.index.person_ids(unit.conn, [existing.person_pk])[existing.person_pk]
            unit.remove_source(existing)
            withdraw(unit, unit.curation.withdraw_reviews(
                unit.conn, unit.now_us, patient_id=patient_id
            ))  # fmt: skip
            if not unit.index.sources_of(unit.conn, existing.person_pk):
                withdraw(unit, unit.curation.withdraw_reviews(
                    unit.conn, unit.now_us, person_id=person_id
                ))  # fmt: skip
            unit.announce("mpi.source-deleted", person_id, {"patient": patient_id})
            return LinkDecision(patient_id, person_id, "removed", existing.score)

        return self.writer.run(ctx, LockPlan(frozenset({source_lock(patient_id)})), take_out)

    def _best(
        self, unit: MpiWrite, patient_id: str, ranked: Ranked
    ) -> ScoredCandidate[IndexedPerson] | None:
        """The strongest candidate a clerk has not rejected for this record (reviews are read
        only when a candidate could link or be reviewed)."""
        if not ranked or ranked[0].score < self.settings.review_threshold:
            return ranked[0] if ranked else None
        rejected = {
            r.person_id
            for r in unit.curation.reviews_of_patient(unit.conn, patient_id)
            if r.status == "rejected"
        }
        return next((s for s in ranked if s.candidate.person_id not in rejected), None)

    def _refresh(
        self,
        unit: MpiWrite,
        existing: SourceLink,
        registration: Registration,
        active: ActiveModel,
    ) -> LinkDecision:
        """A Patient the MPI has filed before, in a newer version. Identity unchanged: only the
        version is noted. A link a clerk made or confirmed stays (the golden record follows
        the new values). An automatic link stays while the record still certainly matches the
        rest of its person; otherwise the record is matched again like a new one."""
        version, raw = registration.version, registration.raw
        person_id = unit.index.person_ids(unit.conn, [existing.person_pk])[existing.person_pk]
        if existing.patient_version >= version:
            return LinkDecision(existing.patient_id, person_id, "unchanged", existing.score)
        if raw == existing.identity:  # e.g. a new telecom use or marital status: no MPI change
            unit.index.save_source(unit.conn, _refreshed(existing, version, raw))
            return LinkDecision(existing.patient_id, person_id, "unchanged", existing.score)
        if existing.method in VERIFIED_METHODS:
            return self._keep(unit, _refreshed(existing, version, raw), person_id)
        scorer = active.scorer
        others = [
            s
            for s in unit.index.sources_of(unit.conn, existing.person_pk)
            if s.patient_id != existing.patient_id
        ]
        own: ScoredCandidate[IndexedPerson] | None = None
        if others:
            rest = unit.schema.golden_record(
                [unit.normalise(decode_identity(s.identity)[0]) for s in others]
            )
            own = scorer.score(registration.record, unit.person(person_id), rest)
            if model_grade(active, own, self.settings) == CERTAIN:
                fresh = _refreshed(existing, version, raw)
                if existing.method == "auto":  # the evidence of the link as it is now
                    fresh = replace(fresh, score=own.score, evidence=scorer.evidence(own.levels))
                return self._keep(unit, fresh, person_id)
        # No longer (or never) agreeing with the rest of its person: match it afresh. Its own
        # person's index entry still holds the old values, so it is scored on the rest only.
        # Reviews asked about its old values are withdrawn; the new values may ask again.
        withdraw(
            unit,
            unit.curation.withdraw_reviews(unit.conn, unit.now_us, patient_id=existing.patient_id),
        )
        ranked = self.rank(unit.conn, active, registration.record, existing.person_pk)
        if own is not None:
            ranked = sorted([*ranked, own], key=lambda s: s.score, reverse=True)
        best = self._best(unit, existing.patient_id, ranked)
        grade = None if best is None else model_grade(active, best, self.settings)
        certain = grade == CERTAIN
        if not others and not certain:  # alone, and no one else it surely is: it stays
            kept = self._keep(unit, _refreshed(existing, version, raw), person_id)
            if best is None or grade != PROBABLE:
                return kept
            evidence = scorer.evidence(best.levels)
            review = unit.queue_review(
                existing.patient_id, best.candidate.person_id, best.score, evidence
            )
            return replace(kept, outcome="review", score=best.score, review_id=review.id)
        decision = self._file_new(unit, registration, best, active, previous=existing)
        unit.announce(
            "mpi.unlinked",
            person_id,
            {"patient": existing.patient_id, "to": decision.person_id, "reason": "updated"},
        )
        return replace(decision, outcome="relinked" if certain else decision.outcome)

    def _keep(self, unit: MpiWrite, link: SourceLink, person_id: str) -> LinkDecision:
        unit.file_source(link, unit.person(person_id), previous=link)
        unit.announce("mpi.source-updated", person_id, {"patient": link.patient_id})
        return LinkDecision(link.patient_id, person_id, "updated", link.score)

    def _file_new(
        self,
        unit: MpiWrite,
        registration: Registration,
        best: ScoredCandidate[IndexedPerson] | None,
        active: ActiveModel,
        previous: SourceLink | None,
    ) -> LinkDecision:
        patient_id, version, raw = registration.patient_id, registration.version, registration.raw
        grade = None if best is None else model_grade(active, best, self.settings)
        evidence = "" if best is None else active.scorer.evidence(best.levels)
        if best is not None and grade == CERTAIN:
            person = unit.known(best.candidate)
            link = SourceLink(
                patient_id, person.pk, version, raw, best.score, evidence, "auto", unit.now_us
            )
            unit.file_source(link, person, previous=previous)
            unit.announce("mpi.linked", person.person_id, _payload(patient_id, best.score, "auto"))
            return LinkDecision(patient_id, person.person_id, "linked", best.score)
        person = unit.new_person()
        unit.file_source(
            SourceLink(patient_id, person.pk, version, raw, None, "", "new", unit.now_us),
            person,
            previous=previous,
        )
        unit.announce("mpi.linked", person.person_id, _payload(patient_id, None, "new"))
        if best is None or grade != PROBABLE:
            return LinkDecision(patient_id, person.person_id, "new")
        review = unit.queue_review(patient_id, best.candidate.person_id, best.score, evidence)
        return LinkDecision(patient_id, person.person_id, "review", best.score, review.id)


def withdraw(unit: MpiWrite, reviews: list[ReviewRow]) -> None:
    for review in reviews:
        payload = {"review": review.id, "patient": review.patient_id}
        unit.announce("mpi.review-withdrawn", review.person_id, payload)


def _refreshed(link: SourceLink, version: int, raw: bytes) -> SourceLink:
    """The same link, for a newer version of its Patient."""
    return replace(link, patient_version=version, identity=raw)


def _payload(patient_id: str, score: float | None, method: str) -> dict[str, object]:
    return {
        "patient": patient_id,
        "score": None if score is None else round(score, 2),
        "method": method,
    }
