"""`Linker` — the master patient index engine's facade: block, compare, learn, score, cluster.

    linker = Linker(chinese_identity_schema())
    result = linker.link(records)        # result.labels[i] is record i's person

Everything is learned from the records themselves (unsupervised, see `training`). Thresholds are
match weights in bits: log2 of the posterior odds that a pair is one person.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from kangtong.mpi.blocking import CandidatePairs, IndexArray, candidate_pairs
from kangtong.mpi.cluster import Clustering, ConstrainedClusterer
from kangtong.mpi.em import FloatArray, LevelArray
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.model_checks import ModelAssessment, TrainingPolicy, assess_model
from kangtong.mpi.schema import LinkageSchema, hold_below
from kangtong.mpi.training import TrainingOptions, TrainingReport, train_model

R = TypeVar("R")
Progress = Callable[[str, int, int], None]  # (stage, done, total)
CHUNK = 20_000


@dataclass(frozen=True)
class LinkerSettings:
    """Thresholds are match weights in bits (log2 posterior odds that a pair is one person).

    With a `policy` (the default), the model trained on the records must pass its checks (`model_checks`)
    to link on its own; otherwise only pairs the schema `identifies` link and every other pair
    that would have linked is held for review.
    """

    link_threshold: float = 6.0
    review_threshold: float = 0.0
    max_block_size: int = 200
    training: TrainingOptions = field(default_factory=TrainingOptions)
    policy: TrainingPolicy | None = field(default_factory=TrainingPolicy)


@dataclass
class LinkResult(Generic[R]):
    labels: list[int]
    pairs: CandidatePairs
    levels: LevelArray
    scores: FloatArray
    model: FellegiSunterModel[R]
    training: TrainingReport
    clustering: Clustering
    vetoed: Counter[str] = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    assessment: ModelAssessment | None = None  # the trained model's checks (with a policy)
    trusted: bool = True  # False: the default (fallback) model, links on identifiers only

    def review_pairs(self, settings: LinkerSettings) -> list[tuple[int, int, float]]:
        """Pairs for a clerk: between the thresholds, or above but refused by clustering."""
        refused = set(self.clustering.rejected_pairs)
        return [
            (int(self.pairs.left[k]), int(self.pairs.right[k]), float(self.scores[k]))
            for k in range(len(self.scores))
            if k in refused or settings.review_threshold <= self.scores[k] < settings.link_threshold
        ]


class Linker(Generic[R]):
    def __init__(self, schema: LinkageSchema[R], settings: LinkerSettings | None = None) -> None:
        self.schema = schema
        self.settings = settings or LinkerSettings()

    def link(
        self,
        records: Sequence[R],
        progress: Progress | None = None,
        fallback: FellegiSunterModel[R] | None = None,
    ) -> LinkResult[R]:
        """Group `records` into persons. With a policy in the settings, a trained model that
        fails a check is replaced by `fallback` (when given) and links on identifiers only."""
        report = progress or (lambda stage, done, total: None)
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        pairs = candidate_pairs(records, self.schema.blocking_rules, self.settings.max_block_size)
        timings["blocking"], clock = time.perf_counter() - clock, time.perf_counter()
        levels = self.compare_pairs(records, pairs.left, pairs.right, report)
        timings["comparing"], clock = time.perf_counter() - clock, time.perf_counter()
        model, training = train_model(self.schema, records, pairs, levels, self.settings.training)
        assessment = None
        if self.settings.policy is not None:
            assessment = assess_model(model, training, len(records), self.settings.policy)
        trusted = assessment is None or assessment.trusted
        if not trusted and fallback is not None:
            model = fallback
        timings["training"], clock = time.perf_counter() - clock, time.perf_counter()
        scores = self.score(records, pairs, levels, model)
        vetoed = self.apply_vetoes(records, pairs, levels, scores)
        if not trusted:
            self.hold_unidentified(records, pairs, levels, scores)
        clustering = ConstrainedClusterer(
            self.schema, model, self.settings.link_threshold, identified_only=not trusted
        ).cluster(records, pairs.left, pairs.right, scores)
        timings["clustering"] = time.perf_counter() - clock
        report("clustering", 1, 1)
        return LinkResult(
            clustering.labels,
            pairs,
            levels,
            scores,
            model,
            training,
            clustering,
            vetoed,
            timings,
            assessment,
            trusted,
        )

    def hold_unidentified(
        self, records: Sequence[R], pairs: CandidatePairs, levels: LevelArray, scores: FloatArray
    ) -> None:
        """Untrusted model: a pair that would link without its identifiers proving it is held
        just below the link threshold (a clerk decides)."""
        below = np.nextafter(self.settings.link_threshold, -np.inf)
        for k in np.flatnonzero(scores >= self.settings.link_threshold).tolist():
            a, b = records[int(pairs.left[k])], records[int(pairs.right[k])]
            if not self.schema.identified(a, b, levels[k].tolist()):
                scores[k] = below

    def compare_pairs(
        self, records: Sequence[R], left: IndexArray, right: IndexArray, report: Progress
    ) -> LevelArray:
        """The comparison vectors (pairs × comparisons, int8) of the given pairs."""
        total = len(left)
        levels = np.empty((total, len(self.schema.comparisons)), dtype=np.int8)
        for start in range(0, total, CHUNK):
            lefts = [records[i] for i in left[start : start + CHUNK].tolist()]
            rights = [records[j] for j in right[start : start + CHUNK].tolist()]
            for f, comparison in enumerate(self.schema.comparisons):
                compare = comparison.compare
                levels[start : start + len(lefts), f] = [
                    compare(a, b) for a, b in zip(lefts, rights, strict=True)
                ]
            report("comparing", min(start + CHUNK, total), total)
        return levels

    def score(
        self,
        records: Sequence[R],
        pairs: CandidatePairs,
        levels: LevelArray,
        model: FellegiSunterModel[R],
    ) -> FloatArray:
        """Match weights of all candidate pairs, term frequencies included."""
        scores = model.score_levels(levels)
        for index, table in model.term_frequencies.items():
            comparison = model.comparisons[index]
            assert comparison.tf_value is not None
            bits = np.asarray([table.bits.get(comparison.tf_value(r) or "", 0.0) for r in records])
            applies = np.isin(levels[:, index], list(comparison.tf_levels))
            scores += np.where(applies, np.minimum(bits[pairs.left], bits[pairs.right]), 0.0)
        return scores

    def apply_vetoes(
        self, records: Sequence[R], pairs: CandidatePairs, levels: LevelArray, scores: FloatArray
    ) -> Counter[str]:
        """Pairs a veto forbids get score -inf; pairs a doubt stands between are held just
        below the link threshold, for review (only pairs that could link are checked)."""
        vetoed: Counter[str] = Counter()
        for k in np.flatnonzero(scores >= self.settings.review_threshold).tolist():
            a, b = records[int(pairs.left[k])], records[int(pairs.right[k])]
            objection = self.schema.objection(a, b, levels[k].tolist())
            if objection is not None:
                vetoed[objection.name] += 1
                scores[k] = hold_below(float(scores[k]), objection, self.settings.link_threshold)
        return vetoed
