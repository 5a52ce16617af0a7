"""A source registration (来源登记) before and after normalisation.

`IdentityRecord` is what an institution sent; `PersonRecord` is what the comparators read. The
citizen ID is cross-checked against the declared birth date and sex: a disagreement is kept as a
finding (data quality), and the ID's birth date is kept beside the declared one so a day/month
slip in either still meets the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from kangtong.mpi.normalise.addresses import ParsedAddress, parse_address
from kangtong.mpi.normalise.citizen_ids import CitizenId, normalise_citizen_id
from kangtong.mpi.normalise.contact import normalise_phone, normalise_sex, parse_birth_date
from kangtong.mpi.normalise.names import NameForms, NameNormaliser


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """One registration as received; every field but `record_id` may be empty."""

    record_id: str
    source: str = ""
    name: str = ""
    sex: str = ""
    birth_date: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    id_flagged: bool = False  # the platform flagged the ID as failing GB 11643 (ADR 0027)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A normalised registration. `birth_dates` holds the declared date, then the ID's if different."""

    record_id: str
    source: str
    name: NameForms | None
    sex: str | None
    birth_dates: tuple[dt.date, ...]
    citizen_id: CitizenId | None
    phone: str | None
    address: ParsedAddress | None
    findings: tuple[str, ...] = ()
    aliases: tuple[NameForms, ...] = ()  # a golden record's other names (as registered)

    @property
    def birth_date(self) -> dt.date | None:
        return self.birth_dates[0] if self.birth_dates else None

    @property
    def names(self) -> tuple[NameForms, ...]:
        """The name and any aliases."""
        return self.aliases if self.name is None else (self.name, *self.aliases)

    @property
    def valid_id(self) -> str | None:
        """The canonical 18-character ID when it passes GB 11643's check."""
        return self.citizen_id.text if self.citizen_id and self.citizen_id.valid else None


class RecordNormaliser:
    """Turns `IdentityRecord`s into `PersonRecord`s (holds the name normaliser's caches)."""

    def __init__(self, names: NameNormaliser | None = None) -> None:
        self.names = names or NameNormaliser()

    def normalise(self, record: IdentityRecord) -> PersonRecord:
        citizen_id = normalise_citizen_id(record.id_number)
        if citizen_id is not None and record.id_flagged:
            citizen_id = replace(citizen_id, valid=False, birth_date=None, sex=None)
        declared_birth = parse_birth_date(record.birth_date)
        declared_sex = normalise_sex(record.sex)
        address = parse_address(record.address)
        return PersonRecord(
            record_id=record.record_id,
            source=record.source,
            name=self.names.normalise(record.name),
            sex=declared_sex or (citizen_id.sex if citizen_id else None),
            birth_dates=_birth_dates(declared_birth, citizen_id),
            citizen_id=citizen_id,
            phone=normalise_phone(record.phone),
            address=None if address is None or address.is_empty() else address,
            findings=_findings(declared_birth, declared_sex, citizen_id),
        )


def _birth_dates(declared: dt.date | None, citizen_id: CitizenId | None) -> tuple[dt.date, ...]:
    dates = [d for d in (declared, citizen_id.birth_date if citizen_id else None) if d]
    return tuple(dict.fromkeys(dates))


def _findings(
    birth: dt.date | None, sex: str | None, citizen_id: CitizenId | None
) -> tuple[str, ...]:
    """GB 11643: the ID's birth date and sex must agree with the declared ones."""
    if citizen_id is None:
        return ()
    if not citizen_id.valid:
        return ("id-invalid",)
    found = []
    if birth and citizen_id.birth_date and birth != citizen_id.birth_date:
        found.append("birth-date-disagrees-with-id")
    if sex and citizen_id.sex and sex != citizen_id.sex:
        found.append("sex-disagrees-with-id")
    return tuple(found)
