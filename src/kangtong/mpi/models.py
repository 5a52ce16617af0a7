"""The model of the MPI service: trained with the engine, checked, kept in the database, loaded by
each process and reloaded when it changes. Matching one record never retrains.

Until a region has trained a model that passed its checks (`model_checks`), the keeper serves
the shipped default weights (`default_model`) marked *untrusted*: the service then links
automatically only on an exact valid citizen ID and sends every other probable match to review.
`train` stores a model only when it passes; every process sees a newly stored one within
`recheck_seconds` (the keeper compares the stored model's stamp, one integer, with its own).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kangtong.core.errors import Invalid
from kangtong.mpi.blocking import candidate_pairs
from kangtong.mpi.default_model import default_model
from kangtong.mpi.linker import Linker, LinkerSettings
from kangtong.mpi.matcher import CandidateScorer
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.model_checks import (
    Check,
    ModelAssessment,
    TrainingPolicy,
    assess_model,
    too_few_records,
)
from kangtong.mpi.model_io import SavedModel, dump_model, load_saved
from kangtong.mpi.normalise.record import PersonRecord
from kangtong.mpi.schema import LinkageSchema
from kangtong.mpi.training import train_model
from kangtong.store.database import Database
from kangtong.store.mpi_curation import MpiCurationStore, StoredModel

MODEL_NAME = "current"
REGION, DEFAULT = "region", "default"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelStatus:
    """Which model scores matches and whether it may link on its own."""

    source: str  # region (trained on this region's records) | default (the shipped weights)
    trusted: bool  # links automatically; False: only an exact valid citizen ID links
    records: int  # the population it was trained on
    checks: tuple[Check, ...] = ()
    note: str = ""

    @property
    def trained(self) -> bool:
        """A model of the region's own that passed every check."""
        return self.source == REGION and self.trusted


@dataclass(frozen=True)
class ActiveModel:
    scorer: CandidateScorer[PersonRecord]
    status: ModelStatus


@dataclass(frozen=True)
class TrainingSummary:
    records: int
    candidate_pairs: int
    prior_bits: float
    sessions: tuple[str, ...]
    assessment: ModelAssessment
    stored: bool  # False: the model failed a check and the one in use was kept


class ModelKeeper:
    """Holds the current model: loaded on first use, reloaded when the stored model changes.

    A retrain in any process (`kangtong mpi train`) stores a model with a greater stamp; the
    keeper reads the stamp at most once per `recheck_seconds` and reloads when it differs, so a
    running API process follows a retrain without a restart and a match costs no extra query.
    """

    def __init__(
        self,
        db: Database,
        schema: LinkageSchema[PersonRecord],
        settings: LinkerSettings,
        *,
        recheck_seconds: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        policy: TrainingPolicy | None = None,
    ) -> None:
        self.db = db
        self.schema = schema
        self.settings = settings
        self.policy = policy or TrainingPolicy()
        self.recheck_seconds = recheck_seconds
        self.store = MpiCurationStore()
        self._monotonic = monotonic
        self._active: ActiveModel | None = None
        self._stamp: int | None = None  # the stamp of the stored model held (None: default)
        self._checked = float("-inf")  # when the stored stamp was last compared
        self._lock = threading.Lock()

    def active(self) -> ActiveModel:
        """The model in use: the region's stored model, else the shipped default weights."""
        now = self._monotonic()
        held = self._active
        if held is not None and now - self._checked < self.recheck_seconds:
            return held
        with self._lock:  # one reload at a time; the others wait and take its result
            if self._active is None or now - self._checked >= self.recheck_seconds:
                self._refresh()
                self._checked = now
            assert self._active is not None
            return self._active

    def scorer(self) -> CandidateScorer[PersonRecord]:
        return self.active().scorer

    def status(self) -> ModelStatus:
        return self.active().status

    def _refresh(self) -> None:
        with self.db.read() as conn:
            stamp = self.store.model_stamp(conn, MODEL_NAME)
            if stamp is not None and stamp == self._stamp and self._active is not None:
                return
            stored = None if stamp is None else self.store.model(conn, MODEL_NAME)
        if stored is None:
            self._active, self._stamp = self._default(), None
            return
        try:
            saved = load_saved(stored.content, self.schema)
        except Invalid as exc:  # trained by an older version with other comparisons
            log.warning("MPI model not used: %s", exc.message)
            self._active = self._default(note=exc.message)
        else:
            self._active = self._activate(saved, REGION, stored.records)
        self._stamp = stored.trained

    def _default(self, note: str = "") -> ActiveModel:
        saved = default_model()
        records = int(saved.provenance.get("records", 0))
        active = self._activate(saved, DEFAULT, records)
        status = ModelStatus(DEFAULT, False, records, saved.assessment.checks, note)
        return ActiveModel(active.scorer, status)

    def _activate(self, saved: SavedModel[PersonRecord], source: str, records: int) -> ActiveModel:
        scorer = CandidateScorer(self.schema, saved.model, self.settings.link_threshold)
        trusted = source == REGION and saved.assessment.trusted
        return ActiveModel(scorer, ModelStatus(source, trusted, records, saved.assessment.checks))

    def train(self, records: Sequence[PersonRecord], now_us: int) -> TrainingSummary:
        """Learn m, u and λ from `records` (unsupervised), check the fit, and store the model
        when it passes every check (the model in use is kept otherwise)."""
        if len(records) < 2:
            assessment = too_few_records(len(records), self.policy)
            return TrainingSummary(len(records), 0, 0.0, (), assessment, stored=False)
        pairs = candidate_pairs(records, self.schema.blocking_rules, self.settings.max_block_size)
        if len(pairs) == 0:
            assessment = too_few_records(len(records), self.policy)
            return TrainingSummary(len(records), 0, 0.0, (), assessment, stored=False)
        linker = Linker(self.schema, self.settings)
        levels = linker.compare_pairs(records, pairs.left, pairs.right, lambda *_: None)
        model, report = train_model(self.schema, records, pairs, levels, self.settings.training)
        assessment = assess_model(model, report, len(records), self.policy)
        if assessment.trusted:
            self.save(model, len(records), now_us, assessment)
        return TrainingSummary(
            len(records),
            len(pairs),
            model.prior_bits,
            tuple(s.rule for s in report.sessions),
            assessment,
            stored=assessment.trusted,
        )

    def save(
        self,
        model: FellegiSunterModel[PersonRecord],
        records: int,
        now_us: int,
        assessment: ModelAssessment,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        """Store `model` as the region's model (with the checks it passed)."""
        content = dump_model(model, assessment, provenance)
        with self.db.write() as conn:
            stamp = self.store.save_model(conn, MODEL_NAME, StoredModel(now_us, records, content))
        saved = SavedModel(model, assessment, provenance or {})
        with self._lock:
            self._active, self._stamp = self._activate(saved, REGION, records), stamp
            self._checked = self._monotonic()
