"""期望最大化 — the EM algorithm for the Fellegi–Sunter mixture, over comparison patterns.

Pairs are reduced to their distinct comparison vectors with counts, so an iteration costs the
number of distinct patterns (hundreds), not of pairs (millions). Missing levels (-1) contribute
to neither class. Each M-step adds Dirichlet pseudo-counts (`prior_weight` × the class's
weight × the prior distribution), a MAP estimate: a level no pair showed keeps the prior's
odds instead of becoming a certainty of ±30 bits that unseen data would contradict. With
`fix_u` the non-match distribution stays as given (estimated from random pairs) and only the
match distribution and the match rate are learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
LevelArray = npt.NDArray[np.int8]
PROBABILITY_FLOOR = 1e-6


@dataclass(frozen=True)
class FSParameters:
    """λ (the share of pairs that match) and per comparison m[level], u[level]."""

    match_rate: float
    m: tuple[FloatArray, ...]
    u: tuple[FloatArray, ...]


@dataclass(frozen=True)
class EmResult:
    parameters: FSParameters
    iterations: int
    converged: bool
    log_likelihood: float


def pattern_counts(levels: LevelArray) -> tuple[LevelArray, FloatArray]:
    """Distinct rows of `levels` (pairs × comparisons) and how often each occurs."""
    if len(levels) == 0:
        return levels, np.zeros(0)
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    return patterns.astype(np.int8), counts.astype(np.float64)


def _log_likelihoods(
    patterns: LevelArray, parameters: FSParameters
) -> tuple[FloatArray, FloatArray]:
    """log P(γ | match) and log P(γ | non-match) per pattern, skipping missing levels."""
    log_m = np.zeros(len(patterns))
    log_u = np.zeros(len(patterns))
    for f, (m, u) in enumerate(zip(parameters.m, parameters.u, strict=True)):
        column = patterns[:, f].astype(np.int64)
        present = column >= 0
        log_m[present] += np.log(m[column[present]])
        log_u[present] += np.log(u[column[present]])
    return log_m, log_u


def _maximise(
    patterns: LevelArray,
    weights: FloatArray,
    prior: tuple[FloatArray, ...],
    prior_weight: float,
) -> tuple[FloatArray, ...]:
    """Level distributions per comparison from pattern weights (missing levels left out)."""
    result = []
    for f, expected in enumerate(prior):
        column = patterns[:, f].astype(np.int64)
        present = column >= 0
        totals = np.bincount(column[present], weights=weights[present], minlength=len(expected))
        totals = np.maximum(totals, 0.0)
        totals += prior_weight * totals.sum() * expected + PROBABILITY_FLOOR
        result.append(totals / totals.sum())
    return tuple(result)


def fit_em(
    patterns: LevelArray,
    counts: FloatArray,
    initial: FSParameters,
    *,
    fix_u: bool = False,
    prior: FSParameters | None = None,
    prior_weight: float = 0.0,
    max_iterations: int = 500,
    tolerance: float = 1e-8,
) -> EmResult:
    """λ, m, u for the two-class mixture of comparison patterns (maximum likelihood when
    `prior_weight` is 0, else maximum a posteriori towards `prior`, default `initial`)."""
    expected = prior or initial
    parameters, previous = initial, -np.inf
    total = float(counts.sum())
    for iteration in range(1, max_iterations + 1):
        log_m, log_u = _log_likelihoods(patterns, parameters)
        lam = min(max(parameters.match_rate, 1e-9), 1 - 1e-9)
        joint_m = np.log(lam) + log_m
        joint_u = np.log1p(-lam) + log_u
        log_total = np.logaddexp(joint_m, joint_u)
        likelihood = float((counts * log_total).sum())
        posterior = np.exp(joint_m - log_total)
        matched = counts * posterior
        parameters = FSParameters(
            match_rate=float(matched.sum() / total),
            m=_maximise(patterns, matched, expected.m, prior_weight),
            u=parameters.u
            if fix_u
            else _maximise(patterns, counts - matched, expected.u, prior_weight),
        )
        if abs(likelihood - previous) <= tolerance * abs(likelihood):
            return EmResult(parameters, iteration, True, likelihood)
        previous = likelihood
    return EmResult(parameters, max_iterations, False, previous)


def fit_match_rate(
    patterns: LevelArray, counts: FloatArray, parameters: FSParameters, iterations: int = 200
) -> float:
    """λ alone, with m and u held fixed (EM on the mixing weight only)."""
    log_m, log_u = _log_likelihoods(patterns, parameters)
    lam = parameters.match_rate
    for _ in range(iterations):
        lam = min(max(lam, 1e-12), 1 - 1e-12)
        joint_m = np.log(lam) + log_m
        posterior = np.exp(joint_m - np.logaddexp(joint_m, np.log1p(-lam) + log_u))
        updated = float((counts * posterior).sum() / counts.sum())
        if abs(updated - lam) < 1e-10:
            return updated
        lam = updated
    return lam
