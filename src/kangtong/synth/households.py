"""Household composition (户): who lives together, their ages, sexes and family ties.

A household is drawn from a mix of types close to the 2020 census picture (many elderly couples
and three-generation homes, mostly one or two children). Ties are local member positions; the
population module turns them into people.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from kangtong.synth.model import Sex
from kangtong.synth.pick import WeightedPool

HOUSEHOLD_TYPES = WeightedPool(
    (
        "single_young",
        "single_elderly",
        "couple_young",
        "couple_elderly",
        "nuclear",
        "three_generation",
        "single_parent",
    ),
    (8, 8, 8, 14, 40, 18, 4),
)
CHILDREN_COUNT = WeightedPool((1, 2, 3), (55, 38, 7))
TWIN_SHARE = 0.012
MALE_SHARE_AT_BIRTH = 0.526


@dataclass(slots=True)
class Member:
    role: str  # householder / spouse / child / parent (of the householder)
    sex: Sex
    birth_date: dt.date
    married: bool = False
    mother: int | None = None
    father: int | None = None
    twin: int | None = None


def _birth_for_age(rng: random.Random, as_of: dt.date, low: int, high: int) -> dt.date:
    return as_of - dt.timedelta(days=rng.randint(low, high) * 365 + rng.randrange(365))


def _couple(rng: random.Random, as_of: dt.date, low: int, high: int) -> list[Member]:
    wife = _birth_for_age(rng, as_of, low, high)
    husband = wife - dt.timedelta(days=int(rng.gauss(2.0, 2.0) * 365))
    return [Member("householder", "male", husband, True), Member("spouse", "female", wife, True)]


def _add_children(
    rng: random.Random,
    as_of: dt.date,
    members: list[Member],
    mother: int,
    father: int | None,
    count: int,
) -> None:
    mother_birth = members[mother].birth_date
    previous: Member | None = None
    for _ in range(count):
        if previous is not None and rng.random() < TWIN_SHARE:
            birth = previous.birth_date
        else:
            birth = mother_birth + dt.timedelta(days=rng.randint(21, 38) * 365 + rng.randrange(365))
        if birth > as_of:
            return
        sex: Sex = "male" if rng.random() < MALE_SHARE_AT_BIRTH else "female"
        child = Member("child", sex, birth, mother=mother, father=father)
        if previous is not None and previous.birth_date == birth:
            child.twin, previous.twin = len(members) - 1, len(members)
        members.append(child)
        previous = child


def _grandparents(rng: random.Random, members: list[Member]) -> None:
    husband_birth = members[0].birth_date
    grandmother = husband_birth - dt.timedelta(days=rng.randint(22, 32) * 365 + rng.randrange(365))
    if rng.random() < 0.7:
        grandfather = grandmother - dt.timedelta(days=int(rng.gauss(2.0, 2.0) * 365))
        members.append(Member("parent", "male", grandfather, True))
        members.append(Member("parent", "female", grandmother, True))
    else:
        members.append(Member("parent", "female", grandmother))
    members[0].mother = len(members) - 1


def draw_household(rng: random.Random, as_of: dt.date) -> list[Member]:
    """The members of one household, the householder first."""
    kind = HOUSEHOLD_TYPES.pick(rng)
    if kind == "single_young":
        sex: Sex = "male" if rng.random() < 0.55 else "female"
        return [Member("householder", sex, _birth_for_age(rng, as_of, 20, 40))]
    if kind == "single_elderly":
        sex = "female" if rng.random() < 0.65 else "male"
        return [Member("householder", sex, _birth_for_age(rng, as_of, 65, 92))]
    if kind == "couple_young":
        return _couple(rng, as_of, 23, 38)
    if kind == "couple_elderly":
        return _couple(rng, as_of, 55, 85)
    if kind == "single_parent":
        sex = "female" if rng.random() < 0.8 else "male"
        members = [Member("householder", sex, _birth_for_age(rng, as_of, 28, 50))]
        mother, father = (0, None) if sex == "female" else (None, 0)
        _add_single_parent_child(rng, as_of, members, mother, father)
        return members
    low, high = (25, 52) if kind == "nuclear" else (28, 45)
    members = _couple(rng, as_of, low, high)
    _add_children(rng, as_of, members, 1, 0, CHILDREN_COUNT.pick(rng))
    if kind == "three_generation":
        _grandparents(rng, members)
    return members


def _add_single_parent_child(
    rng: random.Random,
    as_of: dt.date,
    members: list[Member],
    mother: int | None,
    father: int | None,
) -> None:
    parent_birth = members[0].birth_date
    birth = parent_birth + dt.timedelta(days=rng.randint(22, 38) * 365 + rng.randrange(365))
    if birth <= as_of:
        sex: Sex = "male" if rng.random() < MALE_SHARE_AT_BIRTH else "female"
        members.append(Member("child", sex, birth, mother=mother, father=father))
