"""规范化 — normalising identity data typed at registration desks before it is compared."""

from kangtong.mpi.normalise.addresses import ParsedAddress, parse_address
from kangtong.mpi.normalise.citizen_ids import CitizenId, normalise_citizen_id
from kangtong.mpi.normalise.contact import normalise_phone, normalise_sex, parse_birth_date
from kangtong.mpi.normalise.names import NameForms, NameNormaliser
from kangtong.mpi.normalise.record import IdentityRecord, PersonRecord, RecordNormaliser

__all__ = [
    "CitizenId",
    "IdentityRecord",
    "NameForms",
    "NameNormaliser",
    "ParsedAddress",
    "PersonRecord",
    "RecordNormaliser",
    "normalise_citizen_id",
    "normalise_phone",
    "normalise_sex",
    "parse_address",
    "parse_birth_date",
]
