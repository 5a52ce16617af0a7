"""户内成员 — household signals as evidence *against* a link.

Members of one household share the address and often the phone (children and the elderly use the
household's). Those agreements say "same household", not "same person", and an independence-
assuming model cannot tell the two apart: twins agree on everything but the given name and the ID.
So within a household, only personal evidence links: a shared dwelling or phone with a different
given name, a different birth date (not a slip of the other), or two valid ID numbers is two
people; a name one character apart with no ID to tell is a twin as likely as a typo, and goes to
a clerk.
"""

from __future__ import annotations

from collections.abc import Mapping

from kangtong.mpi.compare.contact import ADDRESS_DWELLING, PHONE_EXACT
from kangtong.mpi.compare.identity import BIRTH_DIFFERENT, ID_CONFLICT, ID_EXACT, ID_TYPO
from kangtong.mpi.compare.names import FAMILY_ONLY, ONE_CHARACTER
from kangtong.mpi.normalise.record import PersonRecord


def shares_household(levels: Mapping[str, int]) -> bool:
    return levels["address"] >= ADDRESS_DWELLING or levels["phone"] == PHONE_EXACT


def is_household_member(a: PersonRecord, b: PersonRecord, levels: Mapping[str, int]) -> bool:
    """Same household, no shared ID number, and a different given name or a birth date that is
    not a slip of the other (a day off, day/month swapped, a placeholder): a relative."""
    if not shares_household(levels) or levels["citizen_id"] >= ID_TYPO:
        return False
    name, birth = levels["name"], levels["birth_date"]
    return (0 <= name <= FAMILY_ONLY) or birth == BIRTH_DIFFERENT


def is_twin_or_typo(a: PersonRecord, b: PersonRecord, levels: Mapping[str, int]) -> bool:
    """Same household, no shared ID number, one character of the name different (not a known
    look-alike, homophone or swap): a twin as likely as a desk's slip — a clerk decides."""
    if not shares_household(levels) or levels["citizen_id"] >= ID_TYPO:
        return False
    return levels["name"] == ONE_CHARACTER


def same_valid_id(a: PersonRecord, b: PersonRecord, levels: Mapping[str, int]) -> bool:
    """One valid citizen ID number on both: GB 11643 numbers one person (the link an MPI makes
    before it has learned anything from its region)."""
    return levels["citizen_id"] == ID_EXACT and a.valid_id is not None


def has_conflicting_ids(a: PersonRecord, b: PersonRecord, levels: Mapping[str, int]) -> bool:
    """Two valid, different citizen ID numbers: two people, whatever else agrees."""
    return levels["citizen_id"] == ID_CONFLICT
