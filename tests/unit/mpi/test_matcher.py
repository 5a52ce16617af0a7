"""Scoring one record against candidate golden records: the same weights as the batch model, and
an early stop that skips only candidates sharing fewer blocking keys than a certain match."""

from __future__ import annotations

from collections.abc import Iterator

from kangtong.mpi.matcher import CandidateScorer, Shortcut
from kangtong.mpi.normalise import IdentityRecord, PersonRecord
from kangtong.mpi.patients import identity_of
from tests.unit.mpi.test_cluster import NORMALISER, SCHEMA, model
from tests.unit.mpi.test_service import DOUBTFUL, RESIDENTS

EXTRA = [
    IdentityRecord("p1", name="Zhang Wei", sex="1", birth_date="1980-03-05"),
    IdentityRecord("p2", name="张卫", sex="1", birth_date="1980-05-03", phone="13812345678"),
    IdentityRecord("p3"),
]


def records() -> list[PersonRecord]:
    found = [NORMALISER.normalise(identity_of(p)) for p in [*RESIDENTS, DOUBTFUL]]
    return found + [NORMALISER.normalise(r) for r in EXTRA]


def scorer() -> CandidateScorer[PersonRecord]:
    fs = model()
    fs.fit_term_frequencies(records())
    return CandidateScorer(SCHEMA, fs)


def test_one_pair_scores_exactly_as_the_batch_model_scores_it() -> None:
    score = scorer()
    people = records()
    for a in people:
        for b in people:
            result = score.score(a, b.record_id, b)
            levels = SCHEMA.compare(a, b)
            assert result.levels == tuple(levels)
            veto = SCHEMA.veto(a, b, levels)
            if veto:
                assert (result.score, result.veto) == (float("-inf"), veto)
            else:
                assert result.score == score.model.score_pair(a, b, levels)


def lazily(
    built: list[str], pairs: list[tuple[str, PersonRecord]]
) -> Iterator[tuple[str, PersonRecord]]:
    for key, golden in pairs:
        built.append(key)
        yield key, golden


def test_scoring_stops_once_certain_and_the_rest_share_fewer_keys() -> None:
    score = scorer()
    zhang, zhang_b, twin, _, wang, doubtful, *_ = records()
    candidates = [
        ("zhang", zhang_b),
        ("twin", twin),
        ("tie", zhang_b),
        ("doubt", doubtful),
        ("wang", wang),
    ]
    shared = [9, 9, 9, 2, 1]
    certain = Shortcut(certain=6.0, after=2)
    built: list[str] = []
    ranked = score.rank(zhang, lazily(built, candidates), shared, certain)
    assert ranked[0].candidate == "zhang" and ranked[0].score >= 6
    # Two scored, the third still shares as many keys as the certain match; then it stops,
    # and the candidates it skipped were never even built.
    assert built == ["zhang", "twin", "tie"]
    assert sorted(r.candidate for r in ranked) == ["tie", "twin", "zhang"]
    everything = score.rank(zhang, candidates)
    assert len(everything) == 5
    assert everything[0] == ranked[0]


def test_without_a_certain_match_every_candidate_is_scored() -> None:
    score = scorer()
    people = records()
    doubtful = people[5]
    candidates = [(p.record_id, p) for p in people if p.record_id not in ("r1", "a1", "b1")]
    built: list[str] = []
    ranked = score.rank(doubtful, lazily(built, candidates), [5, 4, 3, 2, 1, 1], Shortcut(6.0, 1))
    assert all(r.score < 6 for r in ranked)
    assert len(ranked) == len(candidates) == len(built)
