"""Small-cell suppression (小单元格抑制): k-anonymity over the people in one export.

Each person in an export falls in an equivalence class of quasi-identifiers (sex, generalised
birth, district). A person whose class holds fewer than k people of the export is withheld with
every record about them, so no released record can be narrowed to fewer than k people by
those attributes. Records about nobody (institutions, code systems) are never withheld.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kangtong.core.jsonutil import JsonObject

QuasiIdentifiers = tuple[str | None, str | None, str | None]  # sex, birth, district
UNKNOWN: QuasiIdentifiers = (None, None, None)


@dataclass(frozen=True)
class ExportRecord:
    resource: JsonObject  # already de-identified
    person: str | None  # the pseudonymous Patient id the record is about, if any


@dataclass(frozen=True)
class Suppressed:
    kept: list[ExportRecord]
    withheld_records: int
    withheld_people: int


def suppress_small_cells(
    records: Sequence[ExportRecord], people: Mapping[str, QuasiIdentifiers], k: int
) -> Suppressed:
    """Withhold every record of people whose quasi-identifier class has fewer than `k` people.

    A person missing from `people` counts in the UNKNOWN class (treated like any other class).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    persons = {r.person for r in records if r.person is not None}
    classes = {p: people.get(p, UNKNOWN) for p in persons}
    sizes = Counter(classes.values())
    small = {p for p, qi in classes.items() if sizes[qi] < k}
    kept = [r for r in records if r.person not in small]
    return Suppressed(kept, len(records) - len(kept), len(small))


def quasi_identifiers(patient: JsonObject, birth: str | None) -> QuasiIdentifiers:
    """(sex, generalised birth, district) of a de-identified Patient."""
    district = None
    for address in patient.get("address") or []:
        codes = [e.get("valueCode") for e in address.get("extension") or []]
        district = next((str(c) for c in codes if c), None) or address.get("district")
        if district:
            break
    gender = patient.get("gender")
    return (str(gender) if gender else None, birth, str(district) if district else None)
