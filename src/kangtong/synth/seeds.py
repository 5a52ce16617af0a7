"""Deterministic randomness: sub-seeds derived from the run's seed, and stable resource ids.

Every person, household and institution draws from its own `random.Random` seeded by
`derive_seed(seed, label, number)`, so what one person gets never depends on how many people
came before in the same batch or process: output is identical for a seed whatever the chunking.
"""

from __future__ import annotations

import hashlib
import random

_UUID_VERSION_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


def derive_seed(seed: int, *labels: str | int) -> int:
    """A 64-bit seed for one named part of the run (a person, an institution, the registry)."""
    text = "/".join(str(part) for part in (seed, *labels)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def rng_for(seed: int, *labels: str | int) -> random.Random:
    """A private random generator for one named part of the run."""
    return random.Random(derive_seed(seed, *labels))


class IdMinter:
    """Mints RFC 4122 version-4-shaped UUID strings from a seeded generator (stable per seed)."""

    __slots__ = ("_random",)

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def mint(self) -> str:
        bits = (self._random.getrandbits(128) & _UUID_VERSION_CLEAR) | _UUID_VERSION_4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
