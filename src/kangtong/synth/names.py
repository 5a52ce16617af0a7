"""Drawing Chinese names from the frequency tables."""

from __future__ import annotations

import random

from kangtong.synth.pick import WeightedPool
from kangtong.synth.tables import names as tables

SURNAME_POOL = WeightedPool(tables.SURNAMES, tables.SURNAME_WEIGHTS)
_GIVEN_POOLS = {
    (sex, older): WeightedPool(*tables.given_name_table(sex, older))
    for sex in ("male", "female")
    for older in (True, False)
}


def draw_surname(rng: random.Random) -> str:
    return SURNAME_POOL.pick(rng)


def draw_given_name(rng: random.Random, sex: str, birth_year: int, avoid: set[str]) -> str:
    """A one- or two-character given name typical of the sex and generation, not in `avoid`."""
    older = birth_year < 1980
    pool = _GIVEN_POOLS[(sex, older)]
    single_share = (
        tables.SINGLE_CHARACTER_SHARE_OLDER if older else tables.SINGLE_CHARACTER_SHARE_YOUNGER
    )
    for _ in range(20):
        first = pool.pick(rng)
        name = first if rng.random() < single_share else first + pool.pick(rng)
        if name not in avoid and (len(name) == 1 or name[0] != name[1] or rng.random() < 0.2):
            return name
    return name
