"""Which string parameters also index the pinyin of hanzi values.

Names of people, institutions and places are also findable by pinyin and its initials
(张伟 by "zhangwei", "zhang wei" or "zw"; 人民医院 by "rmyy"): that is how names are typed in
China. `phonetic` is FHIR's own "sounds like" parameter, and pinyin is the sound of a hanzi name.
"""

from __future__ import annotations

PINYIN_TYPES = frozenset(
    {
        "Patient",
        "Practitioner",
        "Person",
        "RelatedPerson",
        "Organization",
        "Location",
        "HealthcareService",
        "Endpoint",
        "InsurancePlan",
    }
)
PINYIN_CODES = frozenset({"name", "family", "given", "phonetic", "alias"})


def with_pinyin(resource_type: str, code: str) -> bool:
    return code in PINYIN_CODES and resource_type in PINYIN_TYPES
