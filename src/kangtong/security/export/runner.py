"""Run an export's FHIR search through the resource service and de-identify what it finds."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson

from kangtong.core.errors import Invalid, KangtongError, Unprocessable
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.security.export.deidentify import Deidentifier
from kangtong.security.export.suppression import (
    ExportRecord,
    QuasiIdentifiers,
    quasi_identifiers,
    suppress_small_cells,
)

PAGE = 500
MAX_RESOURCES = 200_000
PATIENT_ELEMENTS = ("subject", "patient", "beneficiary", "for")
PAGING = frozenset({"_count", "_offset", "_total", "_summary", "_elements"})


@dataclass(frozen=True)
class ExportResult:
    ndjson: bytes
    exported: int
    withheld_records: int
    withheld_people: int


def parse_query(query: str) -> tuple[str, list[tuple[str, str]]]:
    """`Patient?gender=female` → ("Patient", [("gender", "female")]); paging is the runner's."""
    res_type, _, params = query.strip().lstrip("/").partition("?")
    if not res_type or not res_type.isalpha() or not res_type[0].isupper():
        raise Invalid(f"An export query starts with a resource type, e.g. Patient?…; got {query!r}")
    pairs = [(k, v) for k, v in parse_qsl(params, keep_blank_values=True) if k not in PAGING]
    return res_type, pairs


def _patient_of(resource: JsonObject) -> str | None:
    if resource.get("resourceType") == "Patient":
        return str(resource.get("id"))
    for element in PATIENT_ELEMENTS:
        reference = resource.get(element)
        target = str(reference.get("reference", "")) if isinstance(reference, dict) else ""
        if target.startswith("Patient/"):
            return target.removeprefix("Patient/")
    return None


class ExportRunner:
    """Searches page by page (as the caller), de-identifies, suppresses small cells."""

    def __init__(self, service: ResourceService, max_resources: int = MAX_RESOURCES) -> None:
        self._service = service
        self._max = max_resources

    def run(self, ctx: AccessContext, query: str, deid: Deidentifier, k: int) -> ExportResult:
        found = self._search(ctx, query)
        patients = {str(r["id"]): r for r in found if r.get("resourceType") == "Patient"}
        records, people = [], {}
        for resource in found:
            patient_id = _patient_of(resource)
            person = deid.resource_id("Patient", patient_id) if patient_id else None
            if patient_id and person not in people:
                people[person] = self._people_qi(ctx, deid, patients, patient_id)
            records.append(ExportRecord(deid.resource(resource), person))
        result = suppress_small_cells(records, {p: q for p, q in people.items() if p}, k)
        lines = b"".join(orjson.dumps(r.resource) + b"\n" for r in result.kept)
        return ExportResult(
            lines, len(result.kept), result.withheld_records, result.withheld_people
        )

    def _search(self, ctx: AccessContext, query: str) -> list[JsonObject]:
        res_type, params = parse_query(query)
        found: list[JsonObject] = []
        seen: set[tuple[str, str]] = set()
        offset = 0
        while True:
            page = self._service.search(
                ctx, res_type, [*params, ("_count", str(PAGE)), ("_offset", str(offset))],
                strict=True,
            )  # fmt: skip
            for entry in page.entries:
                if (entry.res_type, entry.res_id) not in seen:  # includes repeat across pages
                    seen.add((entry.res_type, entry.res_id))
                    found.append(parse_fhir_json(entry.content))
            if len(found) > self._max:
                raise Unprocessable(f"The export would exceed {self._max} resources: narrow it")
            if not page.has_more:
                return found
            offset += PAGE

    def _people_qi(
        self,
        ctx: AccessContext,
        deid: Deidentifier,
        patients: dict[str, JsonObject],
        patient_id: str,
    ) -> QuasiIdentifiers:
        patient = patients.get(patient_id)
        if patient is None:
            try:
                stored = self._service.read(ctx, "Patient", patient_id)
            except KangtongError:
                return (None, None, None)  # unreadable: counted in the unknown class
            if stored.content is None:
                return (None, None, None)
            patient = parse_fhir_json(stored.content)
        birth = deid.birth_band(patient.get("birthDate"))
        return quasi_identifiers(deid.resource(patient), birth)
