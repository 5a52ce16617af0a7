"""EM recovers known m, u and λ from simulated comparison vectors (splink's recovery test)."""

from __future__ import annotations

import numpy as np

from kangtong.mpi.em import FSParameters, fit_em, fit_match_rate, pattern_counts

TRUE_M = (np.array([0.05, 0.15, 0.80]), np.array([0.1, 0.9]), np.array([0.02, 0.08, 0.2, 0.7]))
TRUE_U = (np.array([0.85, 0.10, 0.05]), np.array([0.6, 0.4]), np.array([0.7, 0.2, 0.08, 0.02]))
TRUE_LAMBDA = 0.2


def simulate(pairs: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    is_match = rng.random(pairs) < TRUE_LAMBDA
    columns = []
    for m, u in zip(TRUE_M, TRUE_U, strict=True):
        from_m = rng.choice(len(m), size=pairs, p=m)
        from_u = rng.choice(len(u), size=pairs, p=u)
        column = np.where(is_match, from_m, from_u)
        column[rng.random(pairs) < 0.05] = -1  # some values missing
        columns.append(column)
    return np.stack(columns, axis=1).astype(np.int8)


def flat_start() -> FSParameters:
    def rising(n: int) -> np.ndarray:
        w = np.power(2.0, np.arange(n))
        return w / w.sum()

    def falling(n: int) -> np.ndarray:
        return rising(n)[::-1].copy()

    return FSParameters(
        0.5, tuple(rising(len(m)) for m in TRUE_M), tuple(falling(len(u)) for u in TRUE_U)
    )


def test_em_recovers_known_m_u_and_match_rate() -> None:
    patterns, counts = pattern_counts(simulate(60_000))
    result = fit_em(patterns, counts, flat_start())
    assert result.converged
    assert abs(result.parameters.match_rate - TRUE_LAMBDA) < 0.01
    for fitted, true in zip(result.parameters.m, TRUE_M, strict=True):
        np.testing.assert_allclose(fitted, true, atol=0.02)
    for fitted, true in zip(result.parameters.u, TRUE_U, strict=True):
        np.testing.assert_allclose(fitted, true, atol=0.02)


def test_em_with_u_fixed_recovers_m() -> None:
    patterns, counts = pattern_counts(simulate(60_000, seed=5))
    start = flat_start()
    result = fit_em(patterns, counts, FSParameters(0.5, start.m, TRUE_U), fix_u=True)
    for fitted, true in zip(result.parameters.m, TRUE_M, strict=True):
        np.testing.assert_allclose(fitted, true, atol=0.02)
    assert result.parameters.u is TRUE_U


def test_match_rate_alone_is_recovered_with_m_and_u_known() -> None:
    patterns, counts = pattern_counts(simulate(40_000, seed=9))
    lam = fit_match_rate(patterns, counts, FSParameters(0.5, TRUE_M, TRUE_U))
    assert abs(lam - TRUE_LAMBDA) < 0.01


def test_prior_keeps_an_unseen_level_from_becoming_certain() -> None:
    levels = simulate(20_000)
    levels[levels[:, 0] == 0, 0] = 1  # level 0 of the first comparison never observed
    patterns, counts = pattern_counts(levels)
    result = fit_em(patterns, counts, flat_start(), prior_weight=0.01)
    m0, u0 = result.parameters.m[0][0], result.parameters.u[0][0]
    assert m0 > 1e-4 and u0 > 1e-4
