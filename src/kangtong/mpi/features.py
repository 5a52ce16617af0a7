"""A golden record's normalised features as compact JSON, and its blocking keys as 64-bit hashes.

The MPI's index stores these next to each person so a match scores candidates without reading
or re-normalising any resource: decoding a person costs one `orjson.loads`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from kangtong.mpi.normalise.addresses import ParsedAddress
from kangtong.mpi.normalise.citizen_ids import CitizenId
from kangtong.mpi.normalise.names import NameForms
from kangtong.mpi.normalise.record import PersonRecord
from kangtong.mpi.schema import BlockingRule


def encode_features(record: PersonRecord) -> bytes:
    return orjson.dumps(
        [
            record.record_id,
            _name(record.name),
            record.sex,
            [d.isoformat() for d in record.birth_dates],
            _citizen_id(record.citizen_id),
            record.phone,
            None if record.address is None else list(record.address.parts()),
            [_name(a) for a in record.aliases],
        ]
    )


def decode_features(raw: bytes) -> PersonRecord:
    record_id, name, sex, births, citizen_id, phone, address, aliases = orjson.loads(raw)
    return PersonRecord(
        record_id=record_id,
        source="golden",
        name=_name_of(name),
        sex=sex,
        birth_dates=tuple(dt.date.fromisoformat(d) for d in births),
        citizen_id=_citizen_id_of(citizen_id),
        phone=phone,
        address=None if address is None else ParsedAddress(*address),
        aliases=tuple(n for n in (_name_of(a) for a in aliases) if n is not None),
    )


def block_keys(record: PersonRecord, rules: Sequence[BlockingRule[PersonRecord]]) -> list[int]:
    """The record's blocking keys under every rule, hashed (rule name included, so two rules'
    equal strings stay apart)."""
    return sorted({key_hash(f"{r.name}\x1f{k}") for r in rules for k in r.keys(record)})


def key_hash(key: str) -> int:
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _name(name: NameForms | None) -> list[Any] | None:
    if name is None:
        return None
    return [
        name.text,
        name.is_pinyin,
        name.family,
        name.given,
        name.key,
        name.family_key,
        sorted(name.readings),
        list(name.syllables),
        name.toned,
        name.initials,
        name.traditional,
    ]


def _name_of(raw: list[Any] | None) -> NameForms | None:
    if raw is None:
        return None
    text, is_pinyin, family, given, key, family_key, readings, syllables, *rest = raw
    toned, initials, traditional = rest
    return NameForms(
        text=text,
        is_pinyin=is_pinyin,
        family=family,
        given=given,
        key=key,
        family_key=family_key,
        readings=frozenset(readings),
        syllables=tuple(syllables),
        toned=toned,
        initials=initials,
        traditional=traditional,
    )


def _citizen_id(value: CitizenId | None) -> list[Any] | None:
    if value is None:
        return None
    born = value.birth_date.isoformat() if value.birth_date else None
    return [value.text, value.valid, value.legacy, born, value.sex]


def _citizen_id_of(raw: list[Any] | None) -> CitizenId | None:
    if raw is None:
        return None
    text, valid, legacy, born, sex = raw
    return CitizenId(text, valid, legacy, dt.date.fromisoformat(born) if born else None, sex)
