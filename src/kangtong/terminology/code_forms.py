"""The forms a code, a code system's name and a concept's words arrive in, brought to one form
before sensitive-category rules are matched (issue 13, finding 3, after review).

Senders write the same ICD-10 code as `B20`, `b20`, `B 20` or full-width `Ｂ２０`, and name
ICD-10 by HL7's OID, with a trailing slash or under a national URL; a rule written for one form
must hold for all of them, or HIV data passes as ordinary data by how it was typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from kangtong.terminology.urls import ICD10_CN

ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD11_MMS = "http://id.who.int/icd/release/11/mms"
SNOMED_CT = "http://snomed.info/sct"
LOINC = "http://loinc.org"

# Other names of the code systems the shipped rules use → the name the rules are written for.
# OIDs from the HL7 OID registry (2.16.840.1.113883.6.3 ICD-10, .6.90 ICD-10-CM, .6.96
# SNOMED CT, .6.1 LOINC); `icd-10-cn` as Chinese FHIR implementations write the national
# edition (GB/T 14396) next to its national OID (`urls.ICD10_CN`).
SYSTEM_ALIASES: Mapping[str, str] = {
    "urn:oid:2.16.840.1.113883.6.3": ICD10_WHO,
    "http://hl7.org/fhir/sid/icd-10-cn": ICD10_CN,
    "icd-10-cn": ICD10_CN,
    "icd10-cn": ICD10_CN,
    "urn:oid:2.16.840.1.113883.6.90": ICD10_CM,
    "http://hl7.org/fhir/sid/icd-11": ICD11_MMS,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED_CT,
    "urn:oid:2.16.840.1.113883.6.1": LOINC,
}
ICD_SYSTEMS = frozenset({ICD10_WHO, ICD10_CM, ICD10_CN, ICD11_MMS})
# Dashes NFKC leaves alone (hyphen, non-breaking hyphen, figure/en/em dash, minus sign).
DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
MAX_TEXT_LENGTH = 5000  # of a display or a concept's text, for name rules
# Invisible characters that split a word without showing (zero-width space/joiners, soft
# hyphen, word joiner, BOM): "H\u200bIV" must read as HIV.
INVISIBLE = str.maketrans(dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def system_key(system: str) -> str:
    """A code system's name without the differences that do not change which system it is:
    surrounding spaces, a trailing slash, the http/https scheme, letter case."""
    key = system.strip().rstrip("/").casefold()
    for scheme in ("https://", "http://"):
        if key.startswith(scheme):
            return key[len(scheme) :]
    return key


class SystemNames:
    """Finds which of the systems rules are written for a sent system name stands for."""

    def __init__(self, systems: Iterable[str]) -> None:
        known = set(systems)
        self._names = {system_key(s): s for s in known}
        for alias, target in SYSTEM_ALIASES.items():
            if target in known:
                self._names.setdefault(system_key(alias), target)

    def canonical(self, system: str) -> str | None:
        return self._names.get(system_key(system))


def normal_code(system: str, code: str) -> str:
    """A code as the rules are written: compatibility forms folded (full-width letters and
    digits), dashes made `-`, no whitespace anywhere; ICD codes upper-case."""
    folded = unicodedata.normalize("NFKC", code).translate(DASHES)
    folded = "".join(folded.split())
    return folded.upper() if system in ICD_SYSTEMS else folded


def normal_text(text: str) -> str:
    """A display or concept text as name rules read it: compatibility forms folded, bounded."""
    return unicodedata.normalize("NFKC", text[:MAX_TEXT_LENGTH]).translate(INVISIBLE)
