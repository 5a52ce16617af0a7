"""The trained model of the MPI service: trained with the engine, kept in the database, loaded
once per process. Matching one record never retrains; `train` replaces the stored model.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """Holds the current scorer; loads it from the database on first use."""

    def __init__(
        self, db: Database, schema: LinkageSchema[PersonRecord], settings: LinkerSettings
    ) -> None:
        self.db = db
        self.schema = schema
        self.settings = settings
        self.store = MpiCurationStore()
        self._scorer: CandidateScorer[PersonRecord] | None = None

    def scorer(self) -> CandidateScorer[PersonRecord] | None:
        """The stored model's scorer, or None while no model has been trained."""
        if self._scorer is None:
            with self.db.read() as conn:
                stored = self.store.model(conn, MODEL_NAME)
            if stored is not None:
                self._scorer = CandidateScorer(self.schema, load_model(stored.content, self.schema))
        return self._scorer

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
            self.store.save_model(conn, MODEL_NAME, StoredModel(now_us, records, dump_model(model)))
        self._scorer = CandidateScorer(self.schema, model)
