"""Coded values checked against the terminology the platform knows, through a small port.

`documents` may not import the terminology service (layering): the platform wires a
`CodeLookup` over it. A code system the lookup does not know yields no finding: only a code
outside a known system is reported, as a warning (a hospital's record is never lost over a code).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from lxml import etree

from kangtong.documents.doctypes import DE_CODE_SYSTEM, TYPE_CODE_SYSTEM
from kangtong.documents.validation.findings import V3, Collector, Layer

LOINC = "2.16.840.1.113883.6.1"
SEX_SYSTEM = "2.16.156.10011.2.3.3.4"
MARITAL_SYSTEM = "2.16.156.10011.2.3.3.5"
# Checked by the structure, header and type layers, not by the terminology.
NOT_LOOKED_UP = frozenset({TYPE_CODE_SYSTEM, DE_CODE_SYSTEM, LOINC})


class CodeLookup(Protocol):
    def code_known(self, system_oid: str, code: str) -> bool | None:
        """True/False when the system is known; None when it is not (then nothing is said)."""


class StaticCodes:
    """A lookup over a few short national lists carried in code: for use without a database."""

    def __init__(self, systems: Mapping[str, frozenset[str]] | None = None) -> None:
        self.systems = dict(systems) if systems is not None else dict(SHORT_LISTS)

    def code_known(self, system_oid: str, code: str) -> bool | None:
        codes = self.systems.get(system_oid)
        return None if codes is None else code in codes


SHORT_LISTS: Mapping[str, frozenset[str]] = {
    SEX_SYSTEM: frozenset({"0", "1", "2", "9"}),  # GB/T 2261.1
    MARITAL_SYSTEM: frozenset({"10", "20", "21", "22", "23", "30", "40", "90"}),  # GB/T 2261.2
}


def check_codes(root: etree._Element, lookup: CodeLookup) -> Collector:
    found = Collector(Layer.CODES)
    asked: dict[tuple[str, str], bool | None] = {}
    for element in root.iter(f"{{{V3}}}*"):
        system, code = element.get("codeSystem"), element.get("code")
        if not system or not code or system in NOT_LOOKED_UP:
            continue
        key = (system, code)
        if key not in asked:
            asked[key] = lookup.code_known(system, code)
        if asked[key] is False:
            name = element.get("codeSystemName") or system
            found.warning("CDA-C-CODE", element, f"代码“{code}”不在值域 {name} 中")
    return found
