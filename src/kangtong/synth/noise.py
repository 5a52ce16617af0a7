"""Registration noise (登记误差): how each institution's desk records the same resident.

Every institution a person visits registers them once under its own medical record number, with
the errors desks make at the configured rates. Each rate is the probability of the error among
records it can apply to (`eligible_noise`); kinds within one family (name, ID number) exclude each
other, so the configured rate is the rate observed. The applied kinds are kept as ground truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from kangtong.core.ids.gb11643 import to_legacy_15
from kangtong.synth.config import NoiseRates
from kangtong.synth.model import Facility, Person, SourceRecord
from kangtong.synth.population import draw_phone
from kangtong.synth.seeds import IdMinter, derive_seed
from kangtong.synth.tables.names import to_pinyin
from kangtong.synth.tables.variants import HOMOPHONES, LOOK_ALIKES, TRADITIONAL_OF, to_traditional

NAME_NOISE = ("name_typo", "name_homophone", "name_traditional", "name_pinyin")
ID_NOISE = ("missing_id_child", "missing_id_adult", "legacy_15_digit_id", "id_typo")
CHILD_AGE = 16


def is_child(person: Person, as_of: dt.date) -> bool:
    return person.age_on(person.death_date or as_of) < CHILD_AGE


def eligible_noise(person: Person, as_of: dt.date) -> frozenset[str]:
    """The kinds of error that could be made when registering this person."""
    name = person.name
    kinds = {"name_pinyin", "id_typo", "phone_changed", "address_changed"}
    if any(c in LOOK_ALIKES for c in name) or len(set(person.given_name)) == 2:
        kinds.add("name_typo")
    if any(c in HOMOPHONES for c in name):
        kinds.add("name_homophone")
    if to_traditional(name) != name:
        kinds.add("name_traditional")
    if person.birth_date.year < 2000:
        kinds.add("legacy_15_digit_id")
    kinds.add("missing_id_child" if is_child(person, as_of) else "missing_id_adult")
    day, month = person.birth_date.day, person.birth_date.month
    if day <= 12 and day != month:
        kinds.add("swapped_day_month")
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
    record = _name_noise(rng, record, rates, eligible)
    record = _id_noise(rng, record, rates, eligible)
    return _contact_noise(rng, record, rates, eligible)


def _band(rng: random.Random, rates: NoiseRates, kinds: tuple[str, ...]) -> str | None:
    """At most one kind of a family: one draw, each kind owning a band as wide as its rate."""
    draw, floor = rng.random(), 0.0
    for kind in kinds:
        width = getattr(rates, kind)
        if floor <= draw < floor + width:
            return kind
        floor += width
    return None


def _name_noise(
    rng: random.Random, record: SourceRecord, rates: NoiseRates, eligible: frozenset[str]
) -> SourceRecord:
    kind = _band(rng, rates, NAME_NOISE)
    if kind is None or kind not in eligible:
        return record
    family, given = record.family_name, record.given_name
    if kind == "name_pinyin":
        return _with(
            record,
            kind,
            family_name=to_pinyin(family),
            given_name=to_pinyin(given),
            name_is_pinyin=True,
        )
    if kind == "name_traditional":
        return _with(
            record, kind, family_name=to_traditional(family), given_name=to_traditional(given)
        )
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


def _id_noise(
    rng: random.Random, record: SourceRecord, rates: NoiseRates, eligible: frozenset[str]
) -> SourceRecord:
    kind = _band(rng, rates, ID_NOISE)
    if kind is None or kind not in eligible:
        return record
    citizen_id = record.person.citizen_id
    if kind in ("missing_id_child", "missing_id_adult"):
        return _with(record, kind, id_number=None)
    if kind == "legacy_15_digit_id":
        return _with(record, kind, id_number=to_legacy_15(citizen_id))
    position = rng.randrange(6, 17)  # a mistyped digit after the area code
    digit = str((int(citizen_id[position]) + rng.randint(1, 9)) % 10)
    return _with(record, kind, id_number=citizen_id[:position] + digit + citizen_id[position + 1 :])


def _contact_noise(
    rng: random.Random, record: SourceRecord, rates: NoiseRates, eligible: frozenset[str]
) -> SourceRecord:
    if rng.random() < rates.swapped_day_month and "swapped_day_month" in eligible:
        born = record.birth_date
        record = _with(
            record, "swapped_day_month", birth_date=born.replace(month=born.day, day=born.month)
        )
    if rng.random() < rates.phone_changed:
        record = _with(record, "phone_changed", phone=_other_phone(rng, record.phone))
    if rng.random() < rates.address_changed:
        address = record.address
        moved = dataclasses.replace(
            address,
            building=f"{rng.randint(31, 40)}栋",
            room=f"{rng.randint(1, 18)}{rng.randint(5, 8):02d}室",
        )
        record = _with(record, "address_changed", address=moved)
    return record


def _other_phone(rng: random.Random, phone: str) -> str:
    other = draw_phone(rng)
    return other if other != phone else phone[:-1] + str((int(phone[-1]) + 1) % 10)


def _with(record: SourceRecord, kind: str, **changes: object) -> SourceRecord:
    return dataclasses.replace(record, noise=(*record.noise, kind), **changes)  # type: ignore[arg-type]


__all__ = ["ID_NOISE", "NAME_NOISE", "TRADITIONAL_OF", "eligible_noise", "register"]
