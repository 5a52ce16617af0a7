"""抗菌药物分级目录: which antibiotics are 非限制使用级, 限制使用级 or 特殊使用级, as data.

The catalogue is a FHIR `ConceptMap` (url `ANTIBIOTIC_GRADE_MAP`) from drug codes (any system:
kangtong's medicine codes, 国家医保药品编码 …) to the `antibiotic-grade` code system. A region
stores its own catalogue as a ConceptMap with that url (`POST /fhir/ConceptMap`, `kangtong load`);
until it does, the starter list shipped in `data/antibiotic-grades.json` applies. Grades differ
by province (抗菌药物临床应用管理办法 第六条 leaves the catalogue to the provinces), so the
starter list is a demo default, not an authority.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kangtong.core.canonical import canonical, fill_placeholder
from kangtong.core.jsonutil import JsonObject
from kangtong.registry import systems
from kangtong.registry.privileges import ANTIBIOTIC_ORDER

ANTIBIOTIC_GRADE_MAP = canonical("ConceptMap/antibiotic-grades")
STARTER_FILE = Path(__file__).parent / "data" / "antibiotic-grades.json"


@dataclass(frozen=True)
class GradedDrug:
    system: str
    code: str
    display: str
    grade: str  # non-restricted | restricted | special

    @property
    def grade_display(self) -> str:
        return systems.ANTIBIOTIC_GRADES[self.grade]


class AntibioticCatalogue:
    """Drug (system, code) → grade, read from one ConceptMap."""

    def __init__(self, drugs: Mapping[tuple[str, str], GradedDrug]) -> None:
        self._drugs = dict(drugs)

    @classmethod
    def from_concept_map(cls, concept_map: JsonObject) -> AntibioticCatalogue:
        drugs: dict[tuple[str, str], GradedDrug] = {}
        for group in concept_map.get("group") or []:
            if group.get("target") != systems.ANTIBIOTIC_GRADE:
                continue
            source = str(group.get("source", ""))
            for element in group.get("element") or []:
                grades = [
                    str(t.get("code"))
                    for t in element.get("target") or []
                    if t.get("code") in ANTIBIOTIC_ORDER
                ]
                if grades:  # several targets: the strictest one holds
                    grade = max(grades, key=ANTIBIOTIC_ORDER.index)
                    code = str(element.get("code"))
                    display = str(element.get("display") or code)
                    drugs[(source, code)] = GradedDrug(source, code, display, grade)
        return cls(drugs)

    @classmethod
    def starter(cls) -> AntibioticCatalogue:
        return cls.from_concept_map(starter_concept_map())

    def __len__(self) -> int:
        return len(self._drugs)

    def strictest(self, codings: Iterable[tuple[str, str]]) -> GradedDrug | None:
        """The graded drug among `codings` with the highest grade, None if none is graded."""
        found = [self._drugs[c] for c in codings if c in self._drugs]
        if not found:
            return None
        return max(found, key=lambda d: ANTIBIOTIC_ORDER.index(d.grade))


def starter_concept_map() -> JsonObject:
    """The shipped starter catalogue as a FHIR ConceptMap (valid R4; may be stored as is)."""
    loaded: JsonObject = json.loads(fill_placeholder(STARTER_FILE.read_text(encoding="utf-8")))
    return loaded
