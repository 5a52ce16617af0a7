"""主索引服务 — the master patient index as a service: link-on-ingest, `$match`, PIXm, the
trained model; curation (review queue, link/unlink, merge/unmerge) and the health-record
lifecycle hang off it (`curation`, `lifecycle`).

Master persons are FHIR `Person` resources stored through the resource service; the MPI's
blocking index (store/mpi_index) finds candidates with one indexed query and the trained
model scores them in-process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from kangtong.core.errors import Gone, Invalid, NotFound
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.curation import Curation
from kangtong.mpi.features import block_keys, decode_features
from kangtong.mpi.filing import MpiWrite, MpiWriter, decode_identity, encode_identity
from kangtong.mpi.lifecycle import RecordLifecycle
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.matcher import CandidateScorer, ScoredCandidate, Shortcut
from kangtong.mpi.models import ModelKeeper, TrainingSummary
from kangtong.mpi.normalise.record import PersonRecord, RecordNormaliser
from kangtong.mpi.patients import identity_of, source_identifiers
from kangtong.mpi.person_resource import VERIFIED_METHODS
from kangtong.mpi.review_rules import CERTAIN, PROBABLE, match_grade
from kangtong.store.mpi_curation import ReviewRow
from kangtong.store.mpi_index import IndexedPerson, SourceLink
from kangtong.store.records import DeliveredEvent

INGEST_TOPICS = ("Patient.created", "Patient.updated", "Patient.deleted")
SYSTEM = AccessContext.system("mpi")


@dataclass(frozen=True)
class PersonMatch:
    person_id: str
    score: float  # match weight in bits
    probability: float
    grade: str  # certain | probable | possible
    evidence: str
    patients: tuple[str, ...] = ()  # the source Patients linked to the person


@dataclass(frozen=True)
class LinkDecision:
    """What link-on-ingest did with one source record."""

    patient_id: str
    person_id: str
    outcome: str  # linked | new | review | updated | relinked | unchanged | removed
    score: float | None = None
    review_id: str | None = None


@dataclass(frozen=True)
class CrossReference:
    """PIXm: the master person of a source identifier and every source record linked to it."""

    person_id: str | None
    patients: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (Patient id, identifiers)


@dataclass(frozen=True)
class MpiOptions:
    linker: LinkerSettings = field(default_factory=LinkerSettings)
    possible_floor: float = -6.0  # PDQm lists candidates down to this weight as "possible"
    training_limit: int = 50_000
    page: int = 500
    # Scoring stops once a certain match is found, at least this many candidates are scored
    # and the rest share fewer blocking keys (PDQm: at least `count`). 0: score every one.
    score_at_least: int = 10
    model_recheck_seconds: float = 3.0  # how often a process looks for a retrained model


class MpiService:
    def __init__(
        self, service: ResourceService, zone: ZoneInfo, options: MpiOptions | None = None
    ) -> None:
        self.service = service
        self.options = options or MpiOptions()
        self.schema = chinese_identity_schema()
        self.normaliser = RecordNormaliser()
        self.writer = MpiWriter(service, self.schema, self.normaliser)
        self.models = ModelKeeper(
            service.db,
            self.schema,
            self.options.linker,
            recheck_seconds=self.options.model_recheck_seconds,
        )
        self.curation = Curation(self.writer, self._scorer_or_none, self.options.linker)
        self.lifecycle = RecordLifecycle(self.writer, zone)

    # -- the model ------------------------------------------------------------------------
    def train(self, ctx: AccessContext, limit: int | None = None) -> TrainingSummary:
        """Train on the current source Patients (up to `limit`) and store the model."""
        self.service.policy.authorize(ctx, "operation", "Person", None)
        records = [
            self.normaliser.normalise(identity_of(p))
            for p in self.source_patients(ctx, limit or self.options.training_limit)
        ]
        return self.models.train(records, _now_us(self.service))

    def _scorer_or_none(self) -> CandidateScorer[PersonRecord] | None:
        """The stored model; on first use, one trained on the Patients stored so far."""
        scorer = self.models.scorer()
        if scorer is None:
            try:
                self.train(SYSTEM)
            except Invalid:
                return None  # too few records to learn from yet: every record founds a person
            scorer = self.models.scorer()
        return scorer

    def source_patients(self, ctx: AccessContext, limit: int) -> Iterator[JsonObject]:
        """Stored Patients, in pages, at most `limit`."""
        offset = 0
        while offset < limit:
            size = min(self.options.page, limit - offset)
            params = [("_count", str(size)), ("_offset", str(offset)), ("_sort", "_id")]
            page = self.service.search(ctx, "Patient", params)
            for entry in page.entries:
                yield parse_fhir_json(entry.content)
            if not page.has_more:
                return
            offset += size

    # -- matching (PDQm $match) ---------------------------------------------------------------
    def match(
        self, ctx: AccessContext, patient: JsonObject, count: int = 10, only_certain: bool = False
    ) -> list[PersonMatch]:
        self.service.policy.authorize(ctx, "operation", "Patient", None)
        record = self.writer.normalise(identity_of(patient))
        matches = self.match_record(record, count)
        if only_certain:  # FHIR $match: one certain match, or nothing
            certain = [m for m in matches if m.grade == CERTAIN]
            return certain if len(certain) == 1 else []
        return matches

    def match_record(self, record: PersonRecord, count: int = 10) -> list[PersonMatch]:
        """The master persons `record` may be, strongest first, down to the "possible" floor."""
        scorer = self._scorer_or_none()
        if scorer is None:
            return []
        with self.service.db.read() as conn:
            ranked = self._rank(conn, scorer, record, at_least=count)
            kept = [s for s in ranked[:count] if s.score >= self.options.possible_floor]
            patients = self.writer.index.patient_ids_of(conn, [s.candidate.pk for s in kept])
        return [
            PersonMatch(
                s.candidate.person_id,
                s.score,
                s.probability,
                match_grade(s.score, self.options.linker),
                scorer.evidence(s.levels),
                tuple(patients[s.candidate.pk]),
            )
            for s in kept
        ]

    def _rank(
        self,
        conn: Connection,
        scorer: CandidateScorer[PersonRecord],
        record: PersonRecord,
        at_least: int = 0,
        exclude: int | None = None,
    ) -> list[ScoredCandidate[IndexedPerson]]:
        """Candidates scored strongest first; `exclude` (a person's index key) is left out
        before scoring, so it cannot end the scoring early either."""
        keys = block_keys(record, self.schema.blocking_rules)
        found = self.writer.index.candidates(conn, keys, self.options.linker.max_block_size)
        if exclude is not None:
            found = [p for p in found if p.pk != exclude]
        shortcut = None
        if self.options.score_at_least > 0:
            after = max(self.options.score_at_least, at_least)
            shortcut = Shortcut(self.options.linker.link_threshold, after)
        return scorer.rank(
            record,
            ((p, decode_features(p.features)) for p in found),
            shared=[p.shared for p in found],
            shortcut=shortcut,
        )

    # -- link-on-ingest ---------------------------------------------------------------------
    def handle_events(self, events: Sequence[DeliveredEvent]) -> None:
        """Outbox subscriber: link every new or changed source Patient, and take a deleted one
        out of the index (idempotent: what is done follows the Patient's current state)."""
        for event in events:
            if event.res_type != "Patient":
                continue
            try:
                stored = self.service.read(SYSTEM, "Patient", event.res_id)
            except (Gone, NotFound):
                self.remove_source_record(SYSTEM, event.res_id)  # deleted (since)
                continue
            assert stored.content is not None
            self.link_source_record(SYSTEM, parse_fhir_json(stored.content), stored.version)

    def sync(self, ctx: AccessContext, limit: int = 10_000_000) -> Counter[str]:
        """Link every stored Patient the MPI has not seen in its current version (batch catch-up
        after a bulk load; the same decisions as link-on-ingest), and, when every Patient was
        seen, take out the source records whose Patient is gone. Returns outcomes counted."""
        outcomes: Counter[str] = Counter()
        seen: set[str] = set()
        for patient in self.source_patients(ctx, limit):
            version = int((patient.get("meta") or {}).get("versionId") or 1)
            outcomes[self.link_source_record(ctx, patient, version).outcome] += 1
            seen.add(str(patient.get("id")))
        if len(seen) < limit:
            for patient_id in self._filed_patient_ids():
                if patient_id in seen or not self._gone(patient_id):
                    continue  # (a Patient stored while this ran is not in `seen`)
                if self.remove_source_record(ctx, patient_id):
                    outcomes["removed"] += 1
        return outcomes

    def _gone(self, patient_id: str) -> bool:
        try:
            self.service.read(SYSTEM, "Patient", patient_id)
        except (Gone, NotFound):
            return True
        return False

    def _filed_patient_ids(self) -> Iterator[str]:
        after = ""
        while True:
            with self.service.db.read() as conn:
                page = self.writer.index.source_patient_ids(conn, after, self.options.page)
            yield from page
            if len(page) < self.options.page:
                return
            after = page[-1]

    def link_source_record(
        self, ctx: AccessContext, patient: JsonObject, version: int
    ) -> LinkDecision:
        """Match a source Patient: link (≥ link threshold), queue for review (between the
        thresholds; the record founds its own person meanwhile), or found a new person. A
        Patient seen before is matched again when its identity fields changed."""
        identity = identity_of(patient)
        if not identity.record_id:
            raise Invalid("A source Patient must have an id to be linked")
        record = self.writer.normalise(identity)
        raw = encode_identity(identity, list(source_identifiers(patient)))
        scorer = self._scorer_or_none()
        with self.writer.write(ctx) as unit:
            existing = unit.index.source(unit.conn, identity.record_id)
            if existing is not None:
                return self._refresh_source(unit, existing, record, raw, version, scorer)
            ranked = [] if scorer is None else self._rank(unit.conn, scorer, record)
            best = self._best(unit, identity.record_id, ranked)
            return self._file_new_source(
                unit, identity.record_id, version, raw, best, scorer, previous=None
            )

    def remove_source_record(self, ctx: AccessContext, patient_id: str) -> LinkDecision | None:
        """A deleted source Patient leaves the MPI: its link goes, its person's golden record
        and blocking keys are rebuilt from the records left (a person left with none is
        deactivated, not deleted) and its open reviews are withdrawn. None: it was not linked."""
        with self.service.db.read() as conn:
            if self.writer.index.source(conn, patient_id) is None:
                return None  # never linked, or already removed: nothing to take the lock for
        with self.writer.write(ctx) as unit:
            existing = unit.index.source(unit.conn, patient_id)
            if existing is None:
                return None
            person_id = unit.index.person_ids(unit.conn, [existing.person_pk])[existing.person_pk]
            unit.remove_source(existing)
            self._withdraw(unit, unit.curation.withdraw_reviews(
                unit.conn, unit.now_us, patient_id=patient_id
            ))  # fmt: skip
            if not unit.index.sources_of(unit.conn, existing.person_pk):
                self._withdraw(unit, unit.curation.withdraw_reviews(
                    unit.conn, unit.now_us, person_id=person_id
                ))  # fmt: skip
            unit.announce("mpi.source-deleted", person_id, {"patient": patient_id})
        return LinkDecision(patient_id, person_id, "removed", existing.score)

    def _withdraw(self, unit: MpiWrite, reviews: list[ReviewRow]) -> None:
        for review in reviews:
            payload = {"review": review.id, "patient": review.patient_id}
            unit.announce("mpi.review-withdrawn", review.person_id, payload)

    def _best(
        self, unit: MpiWrite, patient_id: str, ranked: list[ScoredCandidate[IndexedPerson]]
    ) -> ScoredCandidate[IndexedPerson] | None:
        """The strongest candidate a clerk has not rejected for this record (reviews are read
        only when a candidate could link or be reviewed)."""
        if not ranked or ranked[0].score < self.options.linker.review_threshold:
            return ranked[0] if ranked else None
        rejected = {
            r.person_id
            for r in unit.curation.reviews_of_patient(unit.conn, patient_id)
            if r.status == "rejected"
        }
        return next((s for s in ranked if s.candidate.person_id not in rejected), None)

    def _refresh_source(
        self,
        unit: MpiWrite,
        existing: SourceLink,
        record: PersonRecord,
        raw: bytes,
        version: int,
        scorer: CandidateScorer[PersonRecord] | None,
    ) -> LinkDecision:
        """A Patient the MPI has filed before, in a newer version. Identity unchanged: only the
        version is noted. A link a clerk made or confirmed stays (the golden record follows
        the new values). An automatic link stays while the record still certainly matches the
        rest of its person; otherwise the record is matched again like a new one."""
        person_id = unit.index.person_ids(unit.conn, [existing.person_pk])[existing.person_pk]
        if existing.patient_version >= version:
            return LinkDecision(existing.patient_id, person_id, "unchanged", existing.score)
        if raw == existing.identity:  # e.g. a new telecom use or marital status: no MPI change
            unit.index.save_source(unit.conn, _refreshed(existing, version, raw))
            return LinkDecision(existing.patient_id, person_id, "unchanged", existing.score)
        if existing.method in VERIFIED_METHODS or scorer is None:
            return self._keep(unit, _refreshed(existing, version, raw), person_id)
        others = [
            s
            for s in unit.index.sources_of(unit.conn, existing.person_pk)
            if s.patient_id != existing.patient_id
        ]
        own: ScoredCandidate[IndexedPerson] | None = None
        if others:
            rest = self.schema.golden_record(
                [unit.normalise(decode_identity(s.identity)[0]) for s in others]
            )
            own = scorer.score(record, unit.person(person_id), rest)
            if match_grade(own.score, self.options.linker) == CERTAIN:
                fresh = _refreshed(existing, version, raw)
                if existing.method == "auto":  # the evidence of the link as it is now
                    fresh = replace(fresh, score=own.score, evidence=scorer.evidence(own.levels))
                return self._keep(unit, fresh, person_id)
        # No longer (or never) agreeing with the rest of its person: match it afresh. Its own
        # person's index entry still holds the old values, so it is scored on the rest only.
        # Reviews asked about its old values are withdrawn; the new values may ask again.
        self._withdraw(
            unit,
            unit.curation.withdraw_reviews(unit.conn, unit.now_us, patient_id=existing.patient_id),
        )
        ranked = self._rank(unit.conn, scorer, record, exclude=existing.person_pk)
        if own is not None:
            ranked = sorted([*ranked, own], key=lambda s: s.score, reverse=True)
        best = self._best(unit, existing.patient_id, ranked)
        grade = None if best is None else match_grade(best.score, self.options.linker)
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
        decision = self._file_new_source(
            unit, existing.patient_id, version, raw, best, scorer, previous=existing
        )
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

    def _file_new_source(
        self,
        unit: MpiWrite,
        patient_id: str,
        version: int,
        raw: bytes,
        best: ScoredCandidate[IndexedPerson] | None,
        scorer: CandidateScorer[PersonRecord] | None,
        previous: SourceLink | None,
    ) -> LinkDecision:
        grade = None if best is None else match_grade(best.score, self.options.linker)
        evidence = "" if best is None or scorer is None else scorer.evidence(best.levels)
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

    # -- PIXm cross-references ---------------------------------------------------------------
    def cross_references(self, ctx: AccessContext, system: str, value: str) -> CrossReference:
        """The source records linked to the same person as the Patient with `system|value`."""
        found = self.service.search(ctx, "Patient", [("identifier", f"{system}|{value}")])
        patient_ids = [entry.res_id for entry in found.entries if entry.mode == "match"]
        if not patient_ids:
            raise NotFound("No Patient carries that source identifier")
        with self.service.db.read() as conn:
            link = next(
                (s for s in (self.writer.index.source(conn, p) for p in patient_ids) if s), None
            )
            if link is None:
                return CrossReference(None, tuple((p, ()) for p in patient_ids))
            person_id = self.writer.index.person_ids(conn, [link.person_pk])[link.person_pk]
            sources = self.writer.index.sources_of(conn, link.person_pk)
        return CrossReference(
            person_id,
            tuple((s.patient_id, decode_identity(s.identity)[1]) for s in sources),
        )

    def reviews(
        self, ctx: AccessContext, status: str = "open", count: int = 50, offset: int = 0
    ) -> list[ReviewRow]:
        return self.curation.reviews(ctx, status, count, offset)


def _refreshed(link: SourceLink, version: int, raw: bytes) -> SourceLink:
    """The same link, for a newer version of its Patient."""
    return replace(link, patient_version=version, identity=raw)


def _payload(patient_id: str, score: float | None, method: str) -> dict[str, object]:
    return {
        "patient": patient_id,
        "score": None if score is None else round(score, 2),
        "method": method,
    }


def _now_us(service: ResourceService) -> int:
    moment = service.clock.now()
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
