"""聚类 — grouping linked records into persons without chaining.

Pairs are taken strongest first. Two groups merge only when their golden records (each group's
consensus) agree as strongly as a single link must and no veto forbids it: a record joins a
person by agreeing with the person, not merely with one member, so A~B and B~C never drag an
unlike C into A's person, and a household cannot be chained together through shared phones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from kangtong.mpi.blocking import IndexArray
from kangtong.mpi.em import FloatArray
from kangtong.mpi.model import FellegiSunterModel
from kangtong.mpi.schema import LinkageSchema

R = TypeVar("R")
GOLDEN_DISAGREES = "golden records disagree"
NOT_IDENTIFIED = "identifiers do not prove one person (model not trusted)"


@dataclass
class Clustering:
    """`labels[i]` is the person of record i, numbered in order of first appearance."""

    labels: list[int]
    merges: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_pairs: list[int] = field(default_factory=list)


class ConstrainedClusterer(Generic[R]):
    def __init__(
        self,
        schema: LinkageSchema[R],
        model: FellegiSunterModel[R],
        link_threshold: float,
        *,
        identified_only: bool = False,
    ) -> None:
        """`identified_only`: groups merge only when their identifiers prove one person (the
        model is not trusted to link on its own)."""
        self.schema = schema
        self.model = model
        self.link_threshold = link_threshold
        self.identified_only = identified_only

    def cluster(
        self, records: Sequence[R], left: IndexArray, right: IndexArray, scores: FloatArray
    ) -> Clustering:
        """Merge along pairs scoring at least the link threshold, strongest first."""
        parent = list(range(len(records)))
        members: dict[int, list[int]] = {i: [i] for i in range(len(records))}
        golden: dict[int, R] = {}
        result = Clustering(labels=[])
        for k in np.argsort(-scores, kind="stable"):
            if scores[k] < self.link_threshold:
                break
            a, b = _root(parent, int(left[k])), _root(parent, int(right[k]))
            if a == b:
                continue
            reason = self._refusal(records, members, golden, a, b)
            if reason:
                result.rejected[reason] += 1
                result.rejected_pairs.append(int(k))
                continue
            if len(members[a]) < len(members[b]):
                a, b = b, a
            parent[b] = a
            members[a].extend(members.pop(b))
            golden.pop(b, None)
            golden[a] = self.schema.golden_record([records[i] for i in members[a]])
            result.merges += 1
        result.labels = _labels(parent)
        return result

    def _refusal(
        self,
        records: Sequence[R],
        members: dict[int, list[int]],
        golden: dict[int, R],
        a: int,
        b: int,
    ) -> str | None:
        """Why groups a and b must stay apart (None: they may merge)."""
        if len(members[a]) == 1 and len(members[b]) == 1:
            return None  # a single pair: its score and vetoes were already checked
        ga, gb = golden.get(a, records[a]), golden.get(b, records[b])
        levels = self.schema.compare(ga, gb)
        reason = self.schema.veto(ga, gb, levels)
        if reason:
            return reason
        if self.model.score_pair(ga, gb, levels) < self.link_threshold:
            return GOLDEN_DISAGREES
        if self.identified_only and not self.schema.identified(ga, gb, levels):
            return NOT_IDENTIFIED
        return None


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _labels(parent: list[int]) -> list[int]:
    numbering: dict[int, int] = {}
    return [numbering.setdefault(_root(parent, i), len(numbering)) for i in range(len(parent))]
