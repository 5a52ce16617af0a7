"""The schema for Chinese identity data (中国居民身份信息): comparisons, blocking, vetoes and the
golden record (主索引记录) of a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TypeVar

from kangtong.mpi.compare.base import Comparison
from kangtong.mpi.compare.contact import (
    ADDRESS_LEVELS,
    PHONE_LEVELS,
    SEX_LEVELS,
    compare_addresses,
    compare_phones,
    compare_sex,
)
from kangtong.mpi.compare.household import (
    has_conflicting_ids,
    is_household_member,
    is_twin_or_typo,
    same_valid_id,
)
from kangtong.mpi.compare.identity import (
    BIRTH_LEVELS,
    BIRTH_TIERS,
    ID_LEVELS,
    compare_birth_dates,
    compare_citizen_ids,
)
from kangtong.mpi.compare.names import EXACT, NAME_LEVELS, PINYIN, compare_names, name_key
from kangtong.mpi.normalise.record import PersonRecord
from kangtong.mpi.schema import BlockingRule, LinkageSchema, Veto

V = TypeVar("V", bound=Hashable)


def comparisons() -> tuple[Comparison[PersonRecord], ...]:
    return (
        Comparison(
            "citizen_id", ID_LEVELS, lambda a, b: compare_citizen_ids(a.citizen_id, b.citizen_id)
        ),
        Comparison(
            "name",
            NAME_LEVELS,
            compare_person_names,
            tf_levels=frozenset(range(PINYIN, EXACT + 1)),
            tf_value=lambda r: name_key(r.name),
        ),
        Comparison(
            "birth_date",
            BIRTH_LEVELS,
            lambda a, b: compare_birth_dates(a.birth_dates, b.birth_dates),
            tiers=BIRTH_TIERS,
        ),
        Comparison("sex", SEX_LEVELS, lambda a, b: compare_sex(a.sex, b.sex)),
        Comparison("phone", PHONE_LEVELS, lambda a, b: compare_phones(a.phone, b.phone)),
        Comparison("address", ADDRESS_LEVELS, lambda a, b: compare_addresses(a.address, b.address)),
    )


def compare_person_names(a: PersonRecord, b: PersonRecord) -> int:
    """The best level over each side's names: a person is known by every name it registered."""
    if not a.aliases and not b.aliases:
        return compare_names(a.name, b.name)
    return max(
        (compare_names(x, y) for x in a.names for y in b.names),
        default=compare_names(None, None),
    )


def _id_keys(r: PersonRecord) -> Iterator[str]:
    """The number, and four keys each missing one part of it (area, year, month-day, sequence
    and check): a one-digit slip or a swap of two neighbours leaves at least two intact."""
    if r.citizen_id is None:
        return
    text = r.citizen_id.text
    yield text
    if len(text) == 18:
        yield "area?" + text[6:]
        yield "year?" + text[:6] + text[10:]
        yield "day?" + text[:10] + text[14:]
        yield "seq?" + text[:14]


def _name_birth_keys(r: PersonRecord) -> Iterator[str]:
    if r.name is None:
        return
    for reading in r.name.readings:
        for born in r.birth_dates:
            yield f"{reading}|{born.year}"
            yield f"{reading}|{born.month}-{born.day}"


def _birth_keys(r: PersonRecord) -> Iterator[str]:
    for born in r.birth_dates:  # day and month in order, so a swap meets the original
        yield f"{born.year}|{min(born.month, born.day)}|{max(born.month, born.day)}"


def _name_place_keys(r: PersonRecord) -> Iterator[str]:
    if r.name is None or r.address is None:
        return
    place = r.address.road or r.address.complex or r.address.street
    if place:
        yield from (f"{reading}|{place}" for reading in r.name.readings)


def _family_birth_month_keys(r: PersonRecord) -> Iterator[str]:
    """Family name and birth year-month: a given name typed shorter or longer and a birth day
    a day off (or a placeholder 1st) still meet."""
    if r.name is None or not r.name.family_key:
        return
    for born in r.birth_dates:
        yield f"{r.name.family_key}|{born.year}-{born.month}"


def _family_place_keys(r: PersonRecord) -> Iterator[str]:
    """Family name and road with its number (or, without a road, the residential complex)."""
    if r.name is None or not r.name.family_key or r.address is None:
        return
    place = r.address.road or r.address.complex
    if place:
        yield f"{r.name.family_key}|{place}"


def _dwelling_keys(r: PersonRecord) -> Iterator[str]:
    address = r.address
    if address is None or address.room is None or r.name is None:
        return
    yield "|".join(p or "" for p in address.parts()[4:]) + "|" + r.name.family_key


def blocking_rules() -> tuple[BlockingRule[PersonRecord], ...]:
    return (
        BlockingRule(
            "citizen ID (whole, or with one part left out)",
            _id_keys,
            ("citizen_id", "birth_date"),
        ),
        BlockingRule(
            "name pinyin + birth year or month-day", _name_birth_keys, ("name", "birth_date")
        ),
        BlockingRule("birth date (day/month in either order)", _birth_keys, ("birth_date",)),
        # A shared phone or dwelling finds households as much as persons: both household
        # signals are left out of what these rules' pairs teach, or EM takes relatives for
        # the same person.
        BlockingRule("phone", lambda r: [r.phone] if r.phone else [], ("phone", "address")),
        BlockingRule("name pinyin + road or complex", _name_place_keys, ("name", "address")),
        BlockingRule("dwelling + family name", _dwelling_keys, ("address", "name", "phone")),
        BlockingRule(
            "family name + birth year-month", _family_birth_month_keys, ("name", "birth_date")
        ),
        # Mostly relatives: it finds candidates, it does not teach the model.
        BlockingRule(
            "family name + road or complex",
            _family_place_keys,
            ("name", "address", "phone"),
            trains=False,
        ),
    )


def _majority(values: Sequence[V | None], prefer: Callable[[V], bool] | None = None) -> V | None:
    """The most common present value (preferred ones first); ties go to the earliest."""
    present = [v for v in values if v is not None]
    if prefer is not None:
        present = [v for v in present if prefer(v)] or present
    if not present:
        return None
    counts = Counter(present)
    best = max(counts.values())
    return next(v for v in present if counts[v] == best)


def golden_record(members: Sequence[PersonRecord]) -> PersonRecord:
    """The person's consensus: per field the most common value (valid IDs and hanzi names first)."""
    names = [m.name for m in members]
    spelled = _majority(
        [(n.text, n.is_pinyin) if n else None for n in names], prefer=lambda s: not s[1]
    )
    same = [n for n in names if n and (n.text, n.is_pinyin) == spelled]
    name = next((n for n in same if not n.traditional), same[0] if same else None)
    aliases = tuple(dict.fromkeys(n for n in names if n is not None and n != name))
    citizen_id = _majority([m.citizen_id for m in members], prefer=lambda c: c.valid)
    return PersonRecord(
        record_id=members[0].record_id,
        source="golden",
        name=name,
        sex=_majority([m.sex for m in members]),
        birth_dates=_majority([m.birth_dates or None for m in members]) or (),
        citizen_id=citizen_id,
        phone=_majority([m.phone for m in members]),
        address=_majority([m.address for m in members], prefer=lambda a: a.room is not None),
        aliases=aliases,
    )


def vetoes() -> tuple[Veto[PersonRecord], ...]:
    return (
        Veto("conflicting citizen IDs", has_conflicting_ids),
        Veto("household member, not the same person", is_household_member),
        Veto("twin or typo in one household", is_twin_or_typo, doubt=True),
    )


def chinese_identity_schema() -> LinkageSchema[PersonRecord]:
    return LinkageSchema(
        comparisons(), blocking_rules(), golden_record, vetoes(), identifies=same_valid_id
    )
