"""主索引 (EMPI) — the master patient index engine: which source registrations are one person.

Normalisation (`normalise`), comparators made for Chinese identities (`compare`), blocking,
a Fellegi–Sunter model learned by EM, and clustering that does not chain, behind `Linker`.
"""

from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.linker import Linker, LinkerSettings, LinkResult
from kangtong.mpi.normalise import IdentityRecord, PersonRecord, RecordNormaliser
from kangtong.mpi.schema import BlockingRule, LinkageSchema, Veto

__all__ = [
    "BlockingRule",
    "IdentityRecord",
    "LinkResult",
    "LinkageSchema",
    "Linker",
    "LinkerSettings",
    "PersonRecord",
    "RecordNormaliser",
    "Veto",
    "chinese_identity_schema",
]
