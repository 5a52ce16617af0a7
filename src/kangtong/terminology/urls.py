"""Canonical URLs of the code systems, value sets and concept maps kangtong ships.

National OIDs (root 2.16.156.10011, from the national health data standards) where the
standards give one, identical to the URLs the synthetic district writes (`kangtong.synth.systems`), so demo data
validates against the shipped terminology. Code lists of our own live under `KANGTONG`
(the configured canonical base, `kangtong.core.canonical`).
"""

from __future__ import annotations

from kangtong.core.canonical import BASE

SEX_GB2261 = "urn:oid:2.16.156.10011.2.3.3.4"
MARITAL_GB2261_2 = "urn:oid:2.16.156.10011.2.3.3.5"
ETHNICITY_GB3304 = "urn:oid:2.16.156.10011.2.3.3.3"
ICD10_CN = "urn:oid:2.16.156.10011.2.3.3.11"
# GB/T 2260 and GB/T 15657 have no OID in the digest we work from: kangtong URLs until confirmed.
KANGTONG = BASE
DIVISION_GB2260 = f"{KANGTONG}/CodeSystem/gb2260-division"
TCM_GB15657 = f"{KANGTONG}/CodeSystem/gb15657-tcm"
NOTIFIABLE_DISEASE = f"{KANGTONG}/CodeSystem/notifiable-disease"
NOTIFIABLE_CLASS = f"{KANGTONG}/CodeSystem/notifiable-disease-class"
WS364_PREFIX = f"{KANGTONG}/CodeSystem/ws364-"

ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender"
V3_MARITAL_STATUS = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"
V3_NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"

CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"


def ws364_system(domain: str) -> str:
    """The URL of one WS 364 value domain (CVaa.bb.ccc) as a CodeSystem."""
    return f"{WS364_PREFIX}{domain}"


def value_set_url(name: str) -> str:
    """The URL of a value set kangtong ships (all codes of a shipped code system, and others)."""
    return f"{KANGTONG}/ValueSet/{name}"


def concept_map_url(name: str) -> str:
    return f"{KANGTONG}/ConceptMap/{name}"
