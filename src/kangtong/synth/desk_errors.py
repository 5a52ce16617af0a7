"""What one registration error does to a value: names, dates, digit strings and addresses.

Each function takes the true value and a random source and returns the value as a desk would have
typed it. `noise.register` decides which errors happen; this module only knows how they look.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from kangtong.synth.model import Address
from kangtong.synth.tables.demography import RESIDENTIAL_COMPLEX_NAMES
from kangtong.synth.tables.names import PINYIN_OF, given_name_table

# Roads a resident may have moved to (common road names of Chinese cities).
_MOVE_ROADS = (
    "中华北路", "中华南路", "延安西路", "延安东路", "北京路", "解放路", "人民大道", "新华路",
    "文化路", "建设路", "花溪大道", "宝山北路", "市西路", "遵义路", "瑞金南路", "公园路",
)  # fmt: skip
# A space inside a hanzi name: ASCII, two of them, or the full-width space (U+3000) of an IME.
_SPACES = (" ", " ", "  ", "\u3000")


def shorter_given_name(rng: random.Random, given: str) -> str:
    """A given name of two or more characters with its first or last character left out."""
    return given[1:] if rng.random() < 0.5 else given[:-1]


def longer_given_name(rng: random.Random, given: str, sex: str, born: dt.date) -> str:
    """A given name with a character more: the last one doubled (伟 → 伟伟) or a common
    given-name character of the person's sex and generation put before or after it."""
    if len(given) == 1 and rng.random() < 0.3:
        return given + given
    characters, _ = given_name_table(sex, born.year < 1980)
    extra = rng.choice([c for c in characters if c not in given])
    return extra + given if rng.random() < 0.6 else given + extra


def spaced_name(rng: random.Random, family: str, given: str) -> str:
    """A hanzi name typed with a space between the family and the given name, or between every
    character."""
    space = rng.choice(_SPACES)
    if rng.random() < 0.25:
        return space.join(family + given)
    return family + space + given


def syllables(hanzi: str) -> list[str]:
    """The toneless pinyin syllables of a name part as the name tables read it."""
    return [PINYIN_OF.get(character, "x") for character in hanzi]


def pinyin_spelling(rng: random.Random, family: str, given: str) -> str:
    """A name written in pinyin as desks write it: family first or last, capitals or not, the
    given name's syllables joined, spaced or hyphenated, or everything run together."""
    family_py = "".join(syllables(family)).capitalize()
    parts = syllables(given)
    given_py = rng.choice(
        ["".join(parts), " ".join(parts), "-".join(parts)] if len(parts) > 1 else ["".join(parts)]
    ).capitalize()
    styles = (
        f"{family_py} {given_py}",
        f"{family_py} {given_py}",
        f"{family_py.upper()} {given_py}",
        f"{family_py.upper()} {given_py.upper()}",
        f"{given_py} {family_py}",
        f"{family_py}{given_py.replace(' ', '').replace('-', '')}".lower(),
        f"{family_py.upper()}, {given_py}",
    )
    return rng.choice(styles)


def day_off(rng: random.Random, born: dt.date) -> dt.date:
    """The day before or after (the clerk's slip, or a birth recorded near midnight)."""
    return born + dt.timedelta(days=rng.choice((-1, 1)))


def unknown_day(born: dt.date) -> dt.date:
    """1 January of the birth year: what desks write when only the year is known."""
    return born.replace(month=1, day=1)


def digit_slip(rng: random.Random, digits: str, start: int, end: int) -> str:
    """One digit in [start, end) replaced by another."""
    position = rng.randrange(start, end)
    digit = str((int(digits[position]) + rng.randint(1, 9)) % 10)
    return digits[:position] + digit + digits[position + 1 :]


def transposition(rng: random.Random, digits: str, start: int, end: int) -> str:
    """Two neighbouring, different digits in [start, end) swapped; unchanged when all the
    neighbours there are equal (callers check eligibility with `can_transpose`)."""
    positions = [i for i in range(start, end - 1) if digits[i] != digits[i + 1]]
    if not positions:
        return digits
    i = rng.choice(positions)
    return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]


def can_transpose(digits: str, start: int, end: int) -> bool:
    return any(digits[i] != digits[i + 1] for i in range(start, end - 1))


def partial_address(rng: random.Random, address: Address) -> Address:
    """The address with parts left out, as desks shorten it: without province and city, without
    the street (街道), without building, unit and room, or only the district and the road."""
    blank = dict.fromkeys
    choice = rng.randrange(4)
    if choice == 0:
        return dataclasses.replace(address, **blank(("province", "city"), ""))
    if choice == 1:
        return dataclasses.replace(address, **blank(("province", "city", "street"), ""))
    if choice == 2:
        return dataclasses.replace(address, **blank(("building", "unit", "room"), ""))
    kept = blank(("province", "city", "street", "building", "unit", "room"), "")
    return dataclasses.replace(address, **kept)


def moved_address(rng: random.Random, address: Address) -> Address:
    """Where the resident lives now: another road, number and complex in the same district."""
    road = (
        f"{rng.choice(_MOVE_ROADS)}{rng.randint(1, 400)}号{rng.choice(RESIDENTIAL_COMPLEX_NAMES)}"
    )
    return dataclasses.replace(
        address,
        road=road,
        building=f"{rng.randint(1, 30)}栋",
        unit=f"{rng.randint(1, 4)}单元",
        room=f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室",
    )
