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
from dataclasses import dataclass, field
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
from kangtong.mpi.matcher import CandidateScorer, ScoredCandidate
from kangtong.mpi.models import ModelKeeper, TrainingSummary
from kangtong.mpi.normalise.record import PersonRecord, RecordNormaliser
from kangtong.mpi.patients import identity_of, source_identifiers
from kangtong.mpi.review_rules import CERTAIN, PROBABLE, match_grade
from kangtong.store.mpi_curation import ReviewRow
from kangtong.store.mpi_index import SourceLink
from kangtong.store.records import DeliveredEvent

INGEST_TOPICS = ("Patient.created", "Patient.updated")
SYSTEM = AccessContext.system("mpi")


@dataclass(frozen=True)
class PersonMatch:
    person_id: str
    score: float  # match weight in bits
    probability: float
    grade: str  # certain | probable | possible
    evidence: str


@dataclass(frozen=True)
class LinkDecision:
    """What link-on-ingest did with one source record."""

    patient_id: str
    person_id: str
    outcome: str  # linked | new | review | updated | unchanged
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


class MpiService:
    def __init__(
        self, service: ResourceService, zone: ZoneInfo, options: MpiOptions | None = None
    ) -> None:
        self.service = service
        self.options = options or MpiOptions()
        self.schema = chinese_identity_schema()
        self.normaliser = RecordNormaliser()
        self.writer = MpiWriter(service, self.schema, self.normaliser)
        self.models = ModelKeeper(service.db, self.schema, self.options.linker)
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
        record = self.normaliser.normalise(identity_of(patient))
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
            ranked = self._rank(conn, scorer, record)
        return [
            PersonMatch(
                s.candidate,
                s.score,
                s.probability,
                match_grade(s.score, self.options.linker),
                scorer.evidence(s.levels),
            )
            for s in ranked[:count]
            if s.score >= self.options.possible_floor
        ]

    def _rank(
        self, conn: Connection, scorer: CandidateScorer[PersonRecord], record: PersonRecord
    ) -> list[ScoredCandidate[str]]:
        keys = block_keys(record, self.schema.blocking_rules)
        found = self.writer.index.candidates(conn, keys, self.options.linker.max_block_size)
        return scorer.rank(record, [(p.person_id, decode_features(p.features)) for p in found])

    # -- link-on-ingest ---------------------------------------------------------------------
    def handle_events(self, events: Sequence[DeliveredEvent]) -> None:
        """Outbox subscriber: link every new or changed source Patient (idempotent)."""
        for event in events:
            if event.res_type != "Patient":
                continue
            try:
                stored = self.service.read(SYSTEM, "Patient", event.res_id)
            except (Gone, NotFound):
                continue  # deleted since: nothing to link
            assert stored.content is not None
            self.link_source_record(SYSTEM, parse_fhir_json(stored.content), stored.version)

    def sync(self, ctx: AccessContext, limit: int = 10_000_000) -> Counter[str]:
        """Link every stored Patient the MPI has not seen in its current version (batch catch-up
        after a bulk load; the same decisions as link-on-ingest). Returns outcomes counted."""
        outcomes: Counter[str] = Counter()
        for patient in self.source_patients(ctx, limit):
            version = int((patient.get("meta") or {}).get("versionId") or 1)
            outcomes[self.link_source_record(ctx, patient, version).outcome] += 1
        return outcomes

    def link_source_record(
        self, ctx: AccessContext, patient: JsonObject, version: int
    ) -> LinkDecision:
        """Match a source Patient: link (≥ link threshold), queue for review (between the
        thresholds; the record founds its own person meanwhile), or found a new person."""
        identity = identity_of(patient)
        if not identity.record_id:
            raise Invalid("A source Patient must have an id to be linked")
        record = self.normaliser.normalise(identity)
        raw = encode_identity(identity, list(source_identifiers(patient)))
        scorer = self._scorer_or_none()
        with self.writer.write(ctx) as unit:
            existing = unit.index.source(unit.conn, identity.record_id)
            if existing is not None:
                return self._refresh_source(unit, existing, raw, version)
            ranked = [] if scorer is None else self._rank(unit.conn, scorer, record)
            rejected = {
                r.person_id
                for r in unit.curation.reviews_of_patient(unit.conn, identity.record_id)
                if r.status == "rejected"
            }
            best = next((s for s in ranked if s.candidate not in rejected), None)
            return self._file_new_source(unit, identity.record_id, version, raw, best, scorer)

    def _refresh_source(
        self, unit: MpiWrite, existing: SourceLink, raw: bytes, version: int
    ) -> LinkDecision:
        person_ids = unit.index.person_ids(unit.conn, [existing.person_pk])
        person_id = person_ids[existing.person_pk]
        if existing.patient_version >= version:
            return LinkDecision(existing.patient_id, person_id, "unchanged", existing.score)
        updated = SourceLink(
            existing.patient_id, existing.person_pk, version, raw, existing.score,
            existing.evidence, existing.method, existing.linked,
        )  # fmt: skip
        unit.file_source(updated, unit.person(person_id))
        unit.announce("mpi.source-updated", person_id, {"patient": existing.patient_id})
        return LinkDecision(existing.patient_id, person_id, "updated", existing.score)

    def _file_new_source(
        self,
        unit: MpiWrite,
        patient_id: str,
        version: int,
        raw: bytes,
        best: ScoredCandidate[str] | None,
        scorer: CandidateScorer[PersonRecord] | None,
    ) -> LinkDecision:
        grade = None if best is None else match_grade(best.score, self.options.linker)
        evidence = "" if best is None or scorer is None else scorer.evidence(best.levels)
        if best is not None and grade == CERTAIN:
            person = unit.person(best.candidate)
            link = SourceLink(
                patient_id, person.pk, version, raw, best.score, evidence, "auto", unit.now_us
            )
            unit.file_source(link, person)
            unit.announce("mpi.linked", person.person_id, _payload(patient_id, best.score, "auto"))
            return LinkDecision(patient_id, person.person_id, "linked", best.score)
        person = unit.new_person()
        unit.file_source(
            SourceLink(patient_id, person.pk, version, raw, None, "", "new", unit.now_us), person
        )
        unit.announce("mpi.linked", person.person_id, _payload(patient_id, None, "new"))
        if best is None or grade != PROBABLE:
            return LinkDecision(patient_id, person.person_id, "new")
        review = unit.queue_review(patient_id, best.candidate, best.score, evidence)
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


def _payload(patient_id: str, score: float | None, method: str) -> dict[str, object]:
    return {
        "patient": patient_id,
        "score": None if score is None else round(score, 2),
        "method": method,
    }


def _now_us(service: ResourceService) -> int:
    moment = service.clock.now()
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
