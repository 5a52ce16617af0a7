"""The documents' `CodeLookup` port answered by the terminology service.

A CDA code system is named by OID; the terminology stores it as `urn:oid:<OID>`. A system not
stored, or stored only in part (content other than `complete`, such as the demo ICD-10 list),
cannot say a code is unknown: then the answer is None and validation says nothing.
"""

from __future__ import annotations

from kangtong.fhir.access import AccessContext
from kangtong.terminology.service import TerminologyService


class TerminologyCodeLookup:
    def __init__(self, terminology: TerminologyService, ctx: AccessContext) -> None:
        self.terminology = terminology
        self.ctx = ctx

    def code_known(self, system_oid: str, code: str) -> bool | None:
        index = self.terminology.code_systems.by_url(self.ctx, f"urn:oid:{system_oid}")
        if index is None:
            return None
        if index.get(code) is not None:
            return True
        return False if index.content == "complete" else None
