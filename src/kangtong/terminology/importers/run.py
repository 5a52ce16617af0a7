"""Importing a code list file: validate every row, report the rejected ones, store the rest.

A rejected row (bad code, no name, duplicate, unknown parent) is reported with its row number
and never stops the others. The code system keeps its id, so importing again updates it as a
new version — or leaves it alone when nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kangtong.fhir.access import AccessContext
from kangtong.terminology.builders import all_codes_value_set
from kangtong.terminology.concepts import (
    CodeSystemContent,
    Concept,
    Designation,
    PropertyValue,
    code_system_resource,
)
from kangtong.terminology.importers import kinds
from kangtong.terminology.importers.kinds import CodeListKind, first
from kangtong.terminology.importers.sources import SourceRow, read_rows
from kangtong.terminology.service import SaveResult, TerminologyService
from kangtong.terminology.urls import value_set_url, ws364_system

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Rejection:
    row: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    source: str
    rows: int = 0
    accepted: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    saved: list[tuple[str, SaveResult, int]] = field(default_factory=list)

    def reject(self, row: int, reason: str) -> None:
        self.rejections.append(Rejection(row, reason))


@dataclass
class Candidate:
    row: int
    code: str
    display: str
    parent: str
    group: str = ""
    group_name: str = ""
    oid: str = ""
    designations: tuple[Designation, ...] = ()
    properties: tuple[PropertyValue, ...] = ()


def import_code_list(
    terminology: TerminologyService,
    ctx: AccessContext,
    kind_name: str,
    path: Path,
    *,
    version: str | None = None,
    content: str = "complete",
    on_row: Progress | None = None,
    on_total: Progress | None = None,
) -> ImportReport:
    """Import `path` as `kind_name`; `on_total(rows)` then `on_row(1)` per row report progress."""
    kind = kinds.KINDS.get(kind_name)
    if kind is None:
        raise ValueError(f"Unknown kind '{kind_name}'; one of {', '.join(sorted(kinds.KINDS))}")
    rows = read_rows(path)
    report = ImportReport(kind_name, path.name, rows=len(rows))
    if on_total is not None:
        on_total(len(rows))
    candidates = parse_rows(kind, rows, report, on_row)
    for system in code_systems(kind, candidates, report, version=version, content=content):
        report.saved.append(
            (system.url, terminology.save(ctx, code_system_resource(system)), len(system.concepts))
        )
        terminology.save(ctx, all_codes_value_set(system))
    report.accepted = sum(count for _, _, count in report.saved)
    return report


def parse_rows(
    kind: CodeListKind, rows: Iterable[SourceRow], report: ImportReport, on_row: Progress | None
) -> list[Candidate]:
    """Rows that pass the row-level checks, in file order; duplicates are rejected."""
    seen: dict[tuple[str, str], int] = {}
    accepted: list[Candidate] = []
    for row in rows:
        if on_row is not None:
            on_row(1)
        candidate, problem = _candidate(kind, row)
        if candidate is None:
            report.reject(row.number, problem)
            continue
        key = (candidate.group, candidate.code)
        if key in seen:
            report.reject(
                row.number, f"duplicate code '{candidate.code}' (first in row {seen[key]})"
            )
            continue
        seen[key] = row.number
        accepted.append(candidate)
    return accepted


def _candidate(kind: CodeListKind, row: SourceRow) -> tuple[Candidate | None, str]:
    values = row.values
    code, display = first(values, kinds.CODE), first(values, kinds.DISPLAY)
    if not code:
        return None, "no code (a column named code/编码/代码)"
    if not display:
        return None, f"code '{code}' has no name (a column named display/name/名称)"
    problem = kind.check_code(code)
    group = first(values, kinds.DOMAIN) if kind.grouped else ""
    if problem is None and kind.grouped:
        problem = kinds.domain_problem(group)
    if problem is not None:
        return None, problem
    designations = [Designation(a.strip(), "zh") for a in _split(first(values, kinds.ALIASES))]
    english = first(values, kinds.ENGLISH)
    if english:
        designations.append(Designation(english, "en"))
    return (
        Candidate(
            row.number,
            code,
            display,
            first(values, kinds.PARENT),
            group,
            first(values, kinds.DOMAIN_NAME),
            first(values, kinds.OID),
            tuple(designations),
            _properties(kind, code, first(values, kinds.CATEGORY)),
        ),
        "",
    )


def _split(text: str) -> list[str]:
    return [part for part in text.replace("；", ";").split(";") if part.strip()]


def _properties(kind: CodeListKind, code: str, category: str) -> tuple[PropertyValue, ...]:
    if kind.name == "gb2260":
        return (PropertyValue("level", "valueCode", kinds.division_level(code)),)
    if kind.name == "tcm":
        return (PropertyValue("category", "valueCode", kinds.tcm_category(code, category)),)
    return ()


def code_systems(
    kind: CodeListKind,
    candidates: list[Candidate],
    report: ImportReport,
    *,
    version: str | None,
    content: str,
) -> list[CodeSystemContent]:
    groups: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault(candidate.group, []).append(candidate)
    built = []
    for group, members in groups.items():
        concepts = _with_parents(kind, members, report)
        if concepts:
            built.append(_header(kind, group, members[0], concepts, version, content))
    return built


def _with_parents(
    kind: CodeListKind, members: list[Candidate], report: ImportReport
) -> list[Concept]:
    known = {m.code for m in members}
    concepts = []
    for member in members:
        parent = member.parent or kind.infer_parent(member.code, known) or ""
        if parent and parent not in known:
            report.reject(
                member.row, f"the parent '{parent}' of '{member.code}' is not in the file"
            )
            continue
        concepts.append(
            Concept(
                member.code,
                member.display,
                designations=member.designations,
                properties=member.properties,
                parents=(parent,) if parent else (),
            )
        )
    return concepts


def _header(
    kind: CodeListKind,
    group: str,
    sample: Candidate,
    concepts: list[Concept],
    version: str | None,
    content: str,
) -> CodeSystemContent:
    if kind.grouped:
        res_id = "ws364-" + group.lower().replace(".", "-")
        title = f"{group} {sample.group_name} (WS 364)".replace("  ", " ")
        url, oid, name = ws364_system(group), sample.oid or None, group.replace(".", "_")
    else:
        res_id, title, url, oid = kind.code_system_id, kind.title, kind.url, kind.oid
        name = res_id.replace("-", "_")
    return CodeSystemContent(
        id=res_id,
        url=url,
        name=name,
        title=title,
        version=version,
        identifier_oid=f"urn:oid:{oid}" if oid else None,
        value_set=value_set_url(res_id),
        properties=kind.properties,
        concepts=concepts,
        content=content,
    )
