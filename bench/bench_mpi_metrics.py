"""How good a linkage is against the truth: pairwise precision / recall / F1, the same per noise
class, and how much of what was missed a clerk would see in the review queue.

A pair is two records of one person (true pair) or put in one person (predicted pair). A pair
belongs to a noise class when either of its records carries that class (a record can carry
several); `clean` are pairs where neither record carries any.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations
from typing import Any

CLEAN = "clean"


def pairwise_scores(truth: Sequence[str], predicted: Sequence[object]) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of a clustering against the true persons."""

    def pairs(counts: Counter[object]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    true_pairs = pairs(Counter(truth))
    predicted_pairs = pairs(Counter(predicted))
    both = pairs(Counter(zip(truth, predicted, strict=True)))
    return {**_prf(both, predicted_pairs, true_pairs), "true_pairs": true_pairs,
            "predicted_pairs": predicted_pairs}  # fmt: skip


def _prf(both: int, predicted: int, true: int) -> dict[str, float]:
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def _pairs_of(groups: Sequence[object]) -> Iterator[tuple[int, int]]:
    members: dict[object, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    for indexes in members.values():
        yield from combinations(indexes, 2)


def _classes(noise: Sequence[tuple[str, ...]], i: int, j: int) -> set[str]:
    return set(noise[i]) | set(noise[j]) or {CLEAN}


def per_class_scores(
    truth: Sequence[str], predicted: Sequence[object], noise: Sequence[tuple[str, ...]]
) -> dict[str, dict[str, Any]]:
    """P / R / F1 restricted to the pairs of each noise class (see the module docstring)."""
    true_pairs, predicted_pairs, both = Counter[str](), Counter[str](), Counter[str]()
    for i, j in _pairs_of(truth):
        same = predicted[i] == predicted[j]
        for kind in _classes(noise, i, j):
            true_pairs[kind] += 1
            both[kind] += same
    for i, j in _pairs_of(predicted):
        for kind in _classes(noise, i, j):
            predicted_pairs[kind] += 1
    return {
        kind: {**_prf(both[kind], predicted_pairs[kind], true_pairs[kind]),
               "true_pairs": true_pairs[kind], "predicted_pairs": predicted_pairs[kind]}
        for kind in sorted(set(true_pairs) | set(predicted_pairs))
    }  # fmt: skip


def review_coverage(
    truth: Sequence[str], predicted: Sequence[object], review_pairs: Iterable[tuple[int, int]]
) -> dict[str, Any]:
    """What the review queue holds: how many true pairs the linkage missed that a clerk would be
    shown (the two records' persons are a review pair), and how many of the queued person pairs
    are one person. `recall_if_accepted`: recall once a clerk accepts every true review."""
    queued = {frozenset((predicted[a], predicted[b])) for a, b in review_pairs}
    queued = {pair for pair in queued if len(pair) == 2}
    missed = shown = 0
    for i, j in _pairs_of(truth):
        if predicted[i] != predicted[j]:
            missed += 1
            shown += frozenset((predicted[i], predicted[j])) in queued
    people_of: dict[object, set[str]] = defaultdict(set)
    for group, person in zip(predicted, truth, strict=True):
        people_of[group].add(person)
    true_reviews = sum(1 for pair in queued if _share_a_person(pair, people_of))
    true_total = sum(1 for _ in _pairs_of(truth))
    found = true_total - missed
    return {
        "review_pairs": len(queued),
        "review_pairs_one_person": true_reviews,
        "missed_pairs": missed,
        "missed_pairs_in_review": shown,
        "recall_if_accepted": round((found + shown) / true_total, 5) if true_total else 1.0,
    }


def _share_a_person(pair: frozenset[object], people_of: dict[object, set[str]]) -> bool:
    a, b = tuple(pair)
    return bool(people_of[a] & people_of[b])
