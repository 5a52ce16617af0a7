"""Searches the platform asks of its own store: no access policy, no audit trail.

The access policy's questions (does this clinician treat that patient? what did the resident
consent to?) and the write rules' checks are answered here. They must not go through the
resource service: the service asks the policy, so the policy asking the service would make a
loop — and the service could not be given its policy when it is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.results import SearchResult
from kangtong.fhir.search.parser import SearchParser
from kangtong.fhir.search_page import search_page
from kangtong.store.database import Database
from kangtong.store.repository import ResourceRepository
from kangtong.store.sealing import ContentSealing
from kangtong.store.search import SearchStore


@dataclass(frozen=True, slots=True)
class FoundResource:
    res_type: str
    res_id: str
    resource: JsonObject


class PlatformSearch:
    """FHIR search over every row, for the platform's own look-ups (never a caller's)."""

    def __init__(self, db: Database, parser: SearchParser, sealing: ContentSealing) -> None:
        self.db = db
        self.parser = parser
        self.repository = ResourceRepository(sealing)
        self.search_store = SearchStore()

    def search(self, res_type: str, params: Sequence[tuple[str, str]]) -> SearchResult:
        """One page of current `res_type` resources matching `params`, in a read transaction."""
        request = self.parser.parse(res_type, params, strict=True)
        with self.db.read() as conn:
            return search_page(self.search_store, self.repository, conn, request, request.plan)

    def search_in(
        self, conn: Connection, res_type: str, params: Sequence[tuple[str, str]], at_most: int
    ) -> list[FoundResource]:
        """Matches as transaction `conn` sees them (its own uncommitted writes included)."""
        request = self.parser.parse(res_type, params, strict=True)
        plan = replace(
            request.plan, count=at_most, offset=0, total="none", include=(), revinclude=()
        )
        page = self.search_store.search(conn, plan)
        contents = self.repository.contents_by_pk(conn, page.pks)
        return [
            FoundResource(key.res_type, key.res_id, parse_fhir_json(contents[key.pk]))
            for key in self.search_store.keys(conn, page.pks)
            if key.pk in contents
        ]

    def type_fingerprint(self, conn: Connection, res_type: str) -> tuple[int, int]:
        return self.repository.type_fingerprint(conn, res_type)
