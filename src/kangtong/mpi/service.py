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
from kangtong.fhir.identifier_flags import is_flagged
from kangtong.fhir.service import ResourceService
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.curation import Curation
from kangtong.mpi.features import block_keys, decode_features
from kangtong.mpi.filing import MpiWriter, decode_identity, encode_identity
from kangtong.mpi.ingest import LinkDecision, Registration, SourceFiler
from kangtong.mpi.lifecycle import RecordLifecycle
from kangtong.mpi.linker import LinkerSettings
from kangtong.mpi.matcher import CandidateScorer, ScoredCandidate, Shortcut
from kangtong.mpi.model_checks import TrainingPolicy
from kangtong.mpi.models import ActiveModel, ModelKeeper, TrainingSummary
from kangtong.mpi.normalise.record import PersonRecord, RecordNormaliser
from kangtong.mpi.patients import identity_of, source_identifiers
from kangtong.mpi.review_rules import CERTAIN, model_grade
from kangtong.store.mpi_curation import ReviewRow
from kangtong.store.mpi_index import IndexedPerson
from kangtong.store.records import DeliveredEvent

INGEST_TOPICS = ("Patient.created", "Patient.updated", "Patient.deleted")
INGEST_SUBSCRIBER = "mpi-link-on-ingest"  # links each source Patient as its change is delivered
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
    policy: TrainingPolicy = field(default_factory=TrainingPolicy)  # what a fit must show


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
            policy=self.options.policy,
        )
        self.curation = Curation(self.writer, self.models.scorer, self.options.linker)
        self.lifecycle = RecordLifecycle(self.writer, zone)
        self.filer = SourceFiler(self.writer, self.options.linker, self._ranked)

    # -- the model ------------------------------------------------------------------------
    def train(self, ctx: AccessContext, limit: int | None = None) -> TrainingSummary:
        """Train on the current source Patients (up to `limit`), check the fit, and store the
        model when it passes every check (`model_checks`); the model in use is kept otherwise."""
        self.service.authorize(ctx, "operation", "Person", None)
        records = [
            self.normaliser.normalise(identity_of(p))
            for p in self.source_patients(ctx, limit or self.options.training_limit)
        ]
        return self.models.train(records, _now_us(self.service))

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
        self.service.authorize(ctx, "operation", "Patient", None)
        record = self.writer.normalise(identity_of(patient))
        matches = self.match_record(record, count)
        if only_certain:  # FHIR $match: one certain match, or nothing
            certain = [m for m in matches if m.grade == CERTAIN]
            return certain if len(certain) == 1 else []
        return matches

    def match_record(self, record: PersonRecord, count: int = 10) -> list[PersonMatch]:
        """The master persons `record` may be, strongest first, down to the "possible" floor."""
        active = self.models.active()
        with self.service.db.read() as conn:
            ranked = self._rank(conn, active.scorer, record, at_least=count)
            kept = [s for s in ranked[:count] if s.score >= self.options.possible_floor]
            patients = self.writer.index.patient_ids_of(conn, [s.candidate.pk for s in kept])
        return [
            PersonMatch(
                s.candidate.person_id,
                s.score,
                s.probability,
                model_grade(active, s, self.options.linker),
                active.scorer.evidence(s.levels),
                tuple(patients[s.candidate.pk]),
            )
            for s in kept
        ]

    def _ranked(
        self, conn: Connection, active: ActiveModel, record: PersonRecord, exclude: int | None
    ) -> list[ScoredCandidate[IndexedPerson]]:
        return self._rank(conn, active.scorer, record, exclude=exclude)

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
        """Match a source Patient: link (certain), queue for review (probable; the record founds
        its own person meanwhile), or found a new person. A Patient seen before is matched
        again when its identity fields changed (`ingest.SourceFiler`)."""
        identity = identity_of(patient)
        if not identity.record_id:
            raise Invalid("A source Patient must have an id to be linked")
        registration = Registration(
            identity.record_id,
            version,
            self.writer.normalise(identity),
            encode_identity(identity, list(source_identifiers(patient))),
        )
        return self.filer.link(ctx, registration, self.models.active())

    def remove_source_record(self, ctx: AccessContext, patient_id: str) -> LinkDecision | None:
        """A deleted source Patient leaves the MPI: its link goes, its person's golden record
        and blocking keys are rebuilt from the records left (a person left with none is
        deactivated, not deleted) and its open reviews are withdrawn. None: it was not linked."""
        return self.filer.remove(ctx, patient_id)

    # -- PIXm cross-references ---------------------------------------------------------------
    def cross_references(self, ctx: AccessContext, system: str, value: str) -> CrossReference:
        """The source records linked to the same person as the Patient with `system|value`."""
        found = self.service.search(ctx, "Patient", [("identifier", f"{system}|{value}")])
        matches = [entry for entry in found.entries if entry.mode == "match"]
        if not matches:
            raise NotFound("No Patient carries that source identifier")
        if any(_flagged_as(parse_fhir_json(e.content), system, value) for e in matches):
            # A number failing GB 11643 is no proof of identity (ADR 0027): a placeholder or a
            # desk's slip may be shared by records of different people.
            raise NotFound(
                "A citizen ID number that fails its GB 11643 check identifies no one; "
                "cross-reference by another source identifier"
            )
        patient_ids = [entry.res_id for entry in matches]
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


def _flagged_as(patient: JsonObject, system: str, value: str) -> bool:
    """Whether `patient` carries `system|value` as an identifier the platform flagged."""
    return any(
        isinstance(i, dict) and i.get("system") == system and i.get("value") == value
        and is_flagged(i)
        for i in patient.get("identifier") or []
    )  # fmt: skip


def _now_us(service: ResourceService) -> int:
    moment = service.clock.now()
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
