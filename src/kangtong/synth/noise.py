"""Registration noise (登记误差): how each institution's desk records the same resident.

Every institution a person visits registers them once under its own medical record number, with
the errors desks make at the configured rates. Each rate is the probability of the error among
records it can apply to (`eligible_noise`); kinds within one family (name, ID number, birth date,
phone, address) exclude each other, so the configured rate is the rate observed. The applied kinds
are kept as ground truth; what each error does to a value is in `desk_errors`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from kangtong.core.ids.gb11643 import to_legacy_15
from kangtong.synth.config import NoiseRates
from kangtong.synth.desk_errors import (
    can_transpose,
    day_off,
    digit_slip,
    longer_given_name,
    moved_address,
    partial_address,
    pinyin_spelling,
    shorter_given_name,
    spaced_name,
    transposition,
    unknown_day,
)
from kangtong.synth.model import Facility, Person, SourceRecord
from kangtong.synth.population import draw_phone
from kangtong.synth.seeds import IdMinter, derive_seed
from kangtong.synth.tables.names import to_pinyin
from kangtong.synth.tables.variants import HOMOPHONES, LOOK_ALIKES, TRADITIONAL_OF, to_traditional

NAME_NOISE = (
    "name_typo",
    "name_homophone",
    "name_traditional",
    "name_pinyin",
    "name_shorter",
    "name_longer",
    "name_spaced",
)
ID_NOISE = (
    "missing_id_child",
    "missing_id_adult",
    "legacy_15_digit_id",
    "id_typo",
    "id_transposition",
)
BIRTH_NOISE = ("swapped_day_month", "birth_day_off", "birth_unknown_day")
PHONE_NOISE = ("phone_changed", "phone_typo", "phone_transposition")
ADDRESS_NOISE = ("address_changed", "address_moved", "address_partial")
FAMILIES = (NAME_NOISE, ID_NOISE, BIRTH_NOISE, PHONE_NOISE, ADDRESS_NOISE)
CHILD_AGE = 16
ID_BODY = (6, 17)  # the digits after the area code, before the check character


def is_child(person: Person, as_of: dt.date) -> bool:
    return person.age_on(person.death_date or as_of) < CHILD_AGE


def eligible_noise(person: Person, as_of: dt.date) -> frozenset[str]:
    """The kinds of error that could be made when registering this person."""
    name = person.name
    kinds = {
        "name_pinyin",
        "name_longer",
        "name_spaced",
        "id_typo",
        "birth_day_off",
        "phone_changed",
        "phone_typo",
        "address_changed",
        "address_moved",
        "address_partial",
    }
    if any(c in LOOK_ALIKES for c in name) or len(set(person.given_name)) == 2:
        kinds.add("name_typo")
    if any(c in HOMOPHONES for c in name):
        kinds.add("name_homophone")
    if to_traditional(name) != name:
        kinds.add("name_traditional")
    if len(person.given_name) >= 2:
        kinds.add("name_shorter")
    if person.birth_date.year < 2000:
        kinds.add("legacy_15_digit_id")
    if can_transpose(person.citizen_id, *ID_BODY):
        kinds.add("id_transposition")
    if can_transpose(person.phone, 3, len(person.phone)):
        kinds.add("phone_transposition")
    kinds.add("missing_id_child" if is_child(person, as_of) else "missing_id_adult")
    day, month = person.birth_date.day, person.birth_date.month
    if day <= 12 and day != month:
        kinds.add("swapped_day_month")
    if (month, day) != (1, 1):
        kinds.add("birth_unknown_day")
    return frozenset(kinds)


def medical_record_number(facility: Facility, person_index: int) -> str:
    """A per-institution serial: a bijection of the person's index, so unique and chunk-free."""
    multiplier = 1_000_003 + 10 * facility.number  # ends in 3: coprime with 10**8
    return f"{facility.number:02d}{(person_index * multiplier + 7_654_321) % 10**8:08d}"


def register(person: Person, facility: Facility, rates: NoiseRates, as_of: dt.date) -> SourceRecord:
    """The source record `facility` holds for `person`, with noise drawn from its own seed."""
    seed = derive_seed(person.seed, "registration", facility.number)
    rng = random.Random(seed)
    eligible = eligible_noise(person, as_of)
    record = SourceRecord(
        person=person,
        facility=facility.key,
        mrn=medical_record_number(facility, person.index),
        patient_id=IdMinter(seed).mint(),
        family_name=person.family_name,
        given_name=person.given_name,
        name_is_pinyin=False,
        sex=person.sex,
        birth_date=person.birth_date,
        id_number=person.citizen_id,
        phone=person.phone,
        address=person.address,
        noise=(),
    )
    for family, apply in (
        (NAME_NOISE, _name_noise),
        (ID_NOISE, _id_noise),
        (BIRTH_NOISE, _birth_noise),
        (PHONE_NOISE, _phone_noise),
        (ADDRESS_NOISE, _address_noise),
    ):
        kind = _band(rng, rates, [k for k in family if k in eligible])
        if kind is not None:
            record = apply(rng, record, kind)
    return record


def _band(rng: random.Random, rates: NoiseRates, kinds: list[str]) -> str | None:
    """At most one kind of a family: one draw, each eligible kind owning a band as wide as its
    rate (so the rates of one family's kinds that can apply together must sum to at most 1)."""
    draw, floor = rng.random(), 0.0
    for kind in kinds:
        width = getattr(rates, kind)
        if floor <= draw < floor + width:
            return kind
        floor += width
    return None


def _name_noise(rng: random.Random, record: SourceRecord, kind: str) -> SourceRecord:
    family, given = record.family_name, record.given_name
    if kind == "name_pinyin":
        return _with(
            record,
            kind,
            family_name=to_pinyin(family),
            given_name=to_pinyin(given),
            name_is_pinyin=True,
            typed_name=pinyin_spelling(rng, family, given),
        )
    if kind == "name_traditional":
        return _with(
            record, kind, family_name=to_traditional(family), given_name=to_traditional(given)
        )
    if kind == "name_shorter":
        return _with(record, kind, given_name=shorter_given_name(rng, given))
    if kind == "name_longer":
        person = record.person
        return _with(
            record, kind, given_name=longer_given_name(rng, given, person.sex, person.birth_date)
        )
    if kind == "name_spaced":
        return _with(record, kind, typed_name=spaced_name(rng, family, given))
    table = HOMOPHONES if kind == "name_homophone" else LOOK_ALIKES
    full = family + given
    positions = [i for i, c in enumerate(full) if c in table]
    if not positions:  # a typo with no look-alike: the two given characters swapped
        return _with(record, kind, given_name=given[::-1])
    position = rng.choice(positions)
    changed = full[:position] + rng.choice(table[full[position]]) + full[position + 1 :]
    return _with(
        record, kind, family_name=changed[: len(family)], given_name=changed[len(family) :]
    )


def _id_noise(rng: random.Random, record: SourceRecord, kind: str) -> SourceRecord:
    citizen_id = record.person.citizen_id
    if kind in ("missing_id_child", "missing_id_adult"):
        return _with(record, kind, id_number=None)
    if kind == "legacy_15_digit_id":
        return _with(record, kind, id_number=to_legacy_15(citizen_id))
    if kind == "id_transposition":
        return _with(record, kind, id_number=transposition(rng, citizen_id, *ID_BODY))
    return _with(record, kind, id_number=digit_slip(rng, citizen_id, *ID_BODY))


def _birth_noise(rng: random.Random, record: SourceRecord, kind: str) -> SourceRecord:
    """The declared birth date as typed (the ID keeps the true date)."""
    born = record.birth_date
    if kind == "swapped_day_month":
        return _with(record, kind, birth_date=born.replace(month=born.day, day=born.month))
    if kind == "birth_day_off":
        return _with(record, kind, birth_date=day_off(rng, born))
    return _with(record, kind, birth_date=unknown_day(born))


def _phone_noise(rng: random.Random, record: SourceRecord, kind: str) -> SourceRecord:
    phone = record.phone
    if kind == "phone_changed":
        return _with(record, kind, phone=_other_phone(rng, phone))
    if kind == "phone_typo":
        return _with(record, kind, phone=digit_slip(rng, phone, 3, len(phone)))
    return _with(record, kind, phone=transposition(rng, phone, 3, len(phone)))


def _address_noise(rng: random.Random, record: SourceRecord, kind: str) -> SourceRecord:
    address = record.address
    if kind == "address_partial":
        return _with(record, kind, address=partial_address(rng, address))
    if kind == "address_moved":
        return _with(record, kind, address=moved_address(rng, address))
    moved = dataclasses.replace(
        address,
        building=f"{rng.randint(31, 40)}栋",
        room=f"{rng.randint(1, 18)}{rng.randint(5, 8):02d}室",
    )
    return _with(record, kind, address=moved)


def _other_phone(rng: random.Random, phone: str) -> str:
    other = draw_phone(rng)
    return other if other != phone else phone[:-1] + str((int(phone[-1]) + 1) % 10)


def _with(record: SourceRecord, kind: str, **changes: object) -> SourceRecord:
    return dataclasses.replace(record, noise=(*record.noise, kind), **changes)  # type: ignore[arg-type]


__all__ = [
    "ADDRESS_NOISE",
    "BIRTH_NOISE",
    "FAMILIES",
    "ID_NOISE",
    "NAME_NOISE",
    "PHONE_NOISE",
    "TRADITIONAL_OF",
    "eligible_noise",
    "register",
]
