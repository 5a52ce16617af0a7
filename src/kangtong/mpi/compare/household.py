"""户内成员 — household signals as evidence *against* a link.

Members of one household share the address and often the phone (children and the elderly use the
household's). Those agreements say "same household", not "same person", and an independence-
assuming model cannot tell the two apart: twins agree on everything but the given name and the ID.
So within a household, only personal evidence links: a shared dwelling or phone with a different
given name, a different birth date, or two valid ID numbers is two people.
"""

from __future__ import annotations

from collections.abc import Mapping

from kangtong.mpi.compare.contact import ADDRESS_DWELLING, PHONE_EXACT
from kangtong.mpi.compare.identity import BIRTH_DIFFERENT, ID_CONFLICT, ID_TYPO
from kangtong.mpi.compare.names import ONE_CHARACTER
from kangtong.mpi.normalise.record import PersonRecord


def shares_household(levels: Mapping[str, int]) -> bool:
    return levels["address"] >= ADDRESS_DWELLING or levels["phone"] == PHONE_EXACT


def is_household_member(a: PersonRecord, b: PersonRecord, levels: Mapping[str, int]) -> bool:
    """Same household, no shared ID number, and a different name or birth date: a relative."""
    if not shares_household(levels) or levels["citizen_id"] >= ID_TYPO:
        return False
    name, birth = levels["name"], levels["birth_date"]
    return (0 <= name <= ONE_CHARACTER) or birth == BIRTH_DIFFERENT


def has_conflicting_ids(a: PersonRecord, b: PersonRecord, levels: Mapping[str, int]) -> bool:
    """Two valid, different citizen ID numbers: two people, whatever else agrees."""
    return levels["citizen_id"] == ID_CONFLICT
