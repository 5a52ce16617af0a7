"""训练 — learning the model from the records themselves (no truth needed).

- u (how often two *different* people agree at each level) from random record pairs, nearly all
  of which are two different people.
- m (how often the *same* person does) by EM with u fixed, once per blocking rule over the pairs
  that rule found, leaving out the comparisons the rule's keys are made of (those pairs agree on
  them by construction); each comparison's m is the mean over the sessions that could learn it.
  This is splink's scheme: it keeps m from depending on which pairs blocking happened to return.
- λ, the share of all record pairs that match, from the candidate pairs with m and u fixed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from kangtong.mpi.blocking import CandidatePairs
from kangtong.mpi.em import (
    FloatArray,
    FSParameters,
    LevelArray,
    fit_em,
    fit_match_rate,
    pattern_counts,
)
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.schema import LinkageSchema

R = TypeVar("R")
MIN_SESSION_PAIRS = 20
PRIOR_PAIRS = 200.0


@dataclass(frozen=True)
class TrainingSession:
    rule: str
    pairs: int
    learned: tuple[str, ...]
    iterations: int
    converged: bool


@dataclass(frozen=True)
class TrainingReport:
    sessions: tuple[TrainingSession, ...]
    candidate_match_rate: float
    expected_matches: float


@dataclass(frozen=True)
class TrainingOptions:
    u_sample_pairs: int = 40_000
    prior_weight: float = 0.005
    max_em_iterations: int = 300
    seed: int = 20240101


def train_model(
    schema: LinkageSchema[R],
    records: Sequence[R],
    pairs: CandidatePairs,
    levels: LevelArray,
    options: TrainingOptions,
) -> tuple[FellegiSunterModel[R], TrainingReport]:
    u = random_pair_u(schema, records, options.u_sample_pairs, options.seed)
    start = tuple(rising(c.size) for c in schema.comparisons)
    m, sessions = _learn_m(schema, pairs, levels, start, u, options)
    patterns, counts = pattern_counts(levels)
    lam = fit_match_rate(patterns, counts, FSParameters(0.3, m, u)) if len(levels) else 0.0
    expected = lam * len(levels)
    all_pairs = max(len(records) * (len(records) - 1) / 2, 1.0)
    model = FellegiSunterModel(schema.comparisons, FSParameters(expected / all_pairs, m, u))
    model.fit_term_frequencies(records)
    return model, TrainingReport(tuple(sessions), lam, expected)


def _learn_m(
    schema: LinkageSchema[R],
    pairs: CandidatePairs,
    levels: LevelArray,
    start: tuple[FloatArray, ...],
    u: tuple[FloatArray, ...],
    options: TrainingOptions,
) -> tuple[tuple[FloatArray, ...], list[TrainingSession]]:
    names = [c.name for c in schema.comparisons]
    learned: list[list[FloatArray]] = [[] for _ in names]
    sessions = []
    for rule in schema.blocking_rules:
        members = pairs.rule_pairs.get(rule.name)
        if not rule.trains or members is None or len(members) < MIN_SESSION_PAIRS:
            continue
        subset = levels[members].copy()
        masked = [names.index(f) for f in rule.fields]
        subset[:, masked] = -1
        patterns, counts = pattern_counts(subset)
        em = fit_em(
            patterns,
            counts,
            FSParameters(0.3, start, u),
            fix_u=True,
            prior_weight=options.prior_weight,
            max_iterations=options.max_em_iterations,
        )
        trained = [f for f in range(len(names)) if f not in masked]
        for f in trained:
            learned[f].append(em.parameters.m[f])
        sessions.append(
            TrainingSession(
                rule.name,
                len(members),
                tuple(names[f] for f in trained),
                em.iterations,
                em.converged,
            )
        )
    m = tuple(np.mean(found, axis=0) if found else start[f] for f, found in enumerate(learned))
    return m, sessions


def random_pair_u(
    schema: LinkageSchema[R], records: Sequence[R], sample_pairs: int, seed: int
) -> tuple[FloatArray, ...]:
    """Level frequencies among random pairs (almost all two different people).

    Smoothed by `PRIOR_PAIRS` pseudo-pairs in which each level is eight times rarer than the one
    below: negligible against tens of thousands of sampled pairs, but a small file (a handful
    of records) still gets sensible weights instead of a uniform guess.
    """
    rng = random.Random(seed)
    n = len(records)
    counts = [1.0 + PRIOR_PAIRS * _falling(c.size) for c in schema.comparisons]
    for _ in range(min(sample_pairs, n * (n - 1) // 2)):
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        for f, level in enumerate(schema.compare(records[i], records[j])):
            if level >= 0:
                counts[f][level] += 1
    return tuple(c / c.sum() for c in counts)


def _falling(size: int) -> FloatArray:
    weights = np.power(8.0, -np.arange(size, dtype=np.float64))
    return np.asarray(weights / weights.sum())


def rising(size: int) -> FloatArray:
    """A starting m: each level twice as likely for a match as the one below."""
    weights = np.power(2.0, np.arange(size, dtype=np.float64))
    return np.asarray(weights / weights.sum())
