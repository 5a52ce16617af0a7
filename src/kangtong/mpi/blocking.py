"""分块 — blocking: which pairs of records are compared at all.

Every rule maps a record to keys; records sharing a key become a candidate pair. The union of
several loose rules keeps recall high (a typo in one field still leaves another key intact),
while a cap on block size bounds the pairs a very common key (a 王伟 born in 1980) can add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from kangtong.mpi.schema import BlockingRule

R = TypeVar("R")
IndexArray = npt.NDArray[np.int64]


@dataclass
class CandidatePairs:
    """Pairs (left < right, record indexes) with what each rule contributed."""

    left: IndexArray
    right: IndexArray
    pairs_by_rule: dict[str, int] = field(default_factory=dict)
    oversized_blocks: dict[str, int] = field(default_factory=dict)
    rule_pairs: dict[str, IndexArray] = field(default_factory=dict)  # indexes into left/right

    def __len__(self) -> int:
        return len(self.left)


def candidate_pairs(
    records: Sequence[R], rules: Sequence[BlockingRule[R]], max_block_size: int = 200
) -> CandidatePairs:
    """The deduplicated union of every rule's pairs; blocks over `max_block_size` are skipped."""
    n = len(records)
    per_rule: dict[str, IndexArray] = {}
    oversized: dict[str, int] = {}
    for rule in rules:
        blocks: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            for key in set(rule.keys(record)):
                blocks.setdefault(key, []).append(index)
        codes: list[int] = []
        for members in blocks.values():
            if len(members) > max_block_size:
                oversized[rule.name] = oversized.get(rule.name, 0) + 1
                continue
            codes.extend(i * n + j for i, j in combinations(members, 2))
        per_rule[rule.name] = np.unique(np.asarray(codes, dtype=np.int64))
    unique = np.unique(np.concatenate([np.zeros(0, np.int64), *per_rule.values()]))
    return CandidatePairs(
        unique // n,
        unique % n,
        {name: len(codes) for name, codes in per_rule.items()},
        oversized,
        {name: np.searchsorted(unique, codes) for name, codes in per_rule.items()},
    )
