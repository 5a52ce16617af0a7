"""The trained model of the MPI service: trained with the engine, kept in the database, loaded
by each process and reloaded when it changes. Matching one record never retrains; `train`
replaces the stored model, and every process sees the new one within `recheck_seconds`: the
keeper compares the stored model's stamp (one integer) with the one it holds, at most that often.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kangtong.core.errors import Invalid
from kangtong.mpi.blocking import candidate_pairs
from kangtong.mpi.linker import Linker, LinkerSettings
from kangtong.mpi.matcher import CandidateScorer
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.model_io import dump_model, load_model
from kangtong.mpi.normalise.record import PersonRecord
from kangtong.mpi.schema import LinkageSchema
from kangtong.mpi.training import train_model
from kangtong.store.database import Database
from kangtong.store.mpi_curation import MpiCurationStore, StoredModel

MODEL_NAME = "current"


@dataclass(frozen=True)
class TrainingSummary:
    records: int
    candidate_pairs: int
    prior_bits: float
    sessions: tuple[str, ...]


class ModelKeeper:
    """Holds the current scorer: loaded on first use, reloaded when the stored model changes.

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
    ) -> None:
        self.db = db
        self.schema = schema
        self.settings = settings
        self.recheck_seconds = recheck_seconds
        self.store = MpiCurationStore()
        self._monotonic = monotonic
        self._scorer: CandidateScorer[PersonRecord] | None = None
        self._stamp: int | None = None  # the stamp of the model held
        self._checked = float("-inf")  # when the stored stamp was last compared
        self._lock = threading.Lock()

    def scorer(self) -> CandidateScorer[PersonRecord] | None:
        """The stored model's scorer, or None while no model has been trained."""
        now = self._monotonic()
        if self._scorer is not None and now - self._checked < self.recheck_seconds:
            return self._scorer
        with self._lock:  # one reload at a time; the others wait and take its result
            if self._scorer is None or now - self._checked >= self.recheck_seconds:
                self._refresh()
                self._checked = now
        return self._scorer

    def _refresh(self) -> None:
        with self.db.read() as conn:
            stamp = self.store.model_stamp(conn, MODEL_NAME)
            if stamp == self._stamp:
                return
            stored = self.store.model(conn, MODEL_NAME)
        if stored is None:
            self._scorer, self._stamp = None, None
            return
        model = load_model(stored.content, self.schema)
        self._scorer, self._stamp = (
            CandidateScorer(self.schema, model, self.settings.link_threshold),
            stored.trained,
        )

    def train(self, records: Sequence[PersonRecord], now_us: int) -> TrainingSummary:
        """Learn m, u and λ from `records` (unsupervised) and store the model."""
        if len(records) < 2:
            raise Invalid("Training the MPI model needs at least two source records")
        pairs = candidate_pairs(records, self.schema.blocking_rules, self.settings.max_block_size)
        if len(pairs) == 0:
            raise Invalid("No two source records share a blocking key: nothing to learn from")
        linker = Linker(self.schema, self.settings)
        levels = linker.compare_pairs(records, pairs.left, pairs.right, lambda *_: None)
        model, report = train_model(self.schema, records, pairs, levels, self.settings.training)
        self.save(model, len(records), now_us)
        return TrainingSummary(
            len(records), len(pairs), model.prior_bits, tuple(s.rule for s in report.sessions)
        )

    def save(self, model: FellegiSunterModel[PersonRecord], records: int, now_us: int) -> None:
        with self.db.write() as conn:
            stamp = self.store.save_model(
                conn, MODEL_NAME, StoredModel(now_us, records, dump_model(model))
            )
        with self._lock:
            self._scorer, self._stamp = (
                CandidateScorer(self.schema, model, self.settings.link_threshold),
                stamp,
            )
            self._checked = self._monotonic()
