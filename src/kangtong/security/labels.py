"""Security labelling at write time (安全标签): every sensitive category a resource falls in is
indexed under its type's `_security` parameter as a code of `KANGTONG_SENSITIVITY`.

The stored JSON stays as sent; only the search index gains the rows. An unlabelled HIV
diagnosis — ICD-10 B20, SNOMED CT 86406008 or a LOINC HIV viral load — is thereby found by
`_security=…|hiv` and, above all, hidden by the search filter from callers not cleared for it:
the filter looks at one code system instead of re-deriving categories in SQL. Rows of data
stored before the rules changed are brought up to date by `kangtong security relabel`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.ports import Indexer
from kangtong.fhir.search.definitions import param_key
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY, Sensitivity, SensitivityClassifier
from kangtong.store.database import Database
from kangtong.store.index_rows import IndexRows, TokenRow
from kangtong.store.label_rows import (
    LabelledResource,
    TokenKey,
    live_resources_after,
    replace_labels,
)
from kangtong.store.sealed_content import seal_in_place
from kangtong.store.sealing import ContentSealing


class RowSealer(Protocol):
    def seal_rows(self, res_type: str, rows: IndexRows) -> None:
        """Mark the rows of a sensitive resource sealed and strip identifying values."""
        ...


class LabellingIndexer:
    """Wraps the resource indexer: adds the derived sensitivity labels to the token rows, and
    has a labelled resource's rows sealed (`security.sealing`). Unlabelled resources cost
    nothing more than the classification."""

    def __init__(self, inner: Indexer, classify: SensitivityClassifier, sealer: RowSealer) -> None:
        self.inner = inner
        self.classify = classify
        self.sealer = sealer

    def index(self, resource: JsonObject) -> IndexRows:
        rows = self.inner.index(resource)
        categories = self.classify(resource)
        if categories:
            res_type = str(resource["resourceType"])
            self.sealer.seal_rows(res_type, rows)
            present = {(r[0], r[1], r[2]) for r in rows.token}
            for row in label_rows(res_type, categories):
                if row[:3] not in present:
                    rows.token.append(row)
        return rows


class ClearRows:
    """A `RowSealer` that leaves rows (and so content) in clear: only for a benchmark's
    baseline or a tool that says so, never a default."""

    def seal_rows(self, res_type: str, rows: IndexRows) -> None:
        return None


def label_rows(res_type: str, categories: Iterable[Sensitivity]) -> list[TokenRow]:
    """The `_security` token rows that mark a resource of `res_type` with `categories`."""
    key = param_key(res_type, "_security")
    return [(key, KANGTONG_SENSITIVITY, category.value, None) for category in sorted(categories)]


@dataclass
class RelabelReport:
    examined: int = 0  # live resources looked at
    changed: int = 0  # of them, resources whose label rows were rewritten
    sealed: int = 0  # of those, resources stored in clear and sealed now (ADR 0026)


def relabel(
    db: Database,
    classify: SensitivityClassifier,
    *,
    sealing: ContentSealing,
    indexer: Indexer,
    batch: int = 500,
    on_batch: Callable[[RelabelReport], None] | None = None,
) -> RelabelReport:
    """Bring the label rows of every live resource in line with what `classify` says now.

    For data stored before a rule was added (a region's value set, a new kangtong release):
    the write path labels new writes, this labels the rest. A resource found sensitive that is
    stored in clear is sealed in place, every version, and indexed again by `indexer` (the
    write path's `LabellingIndexer`), as if written now. Otherwise content, versions and
    history are untouched; one write transaction per `batch` resources, so it can run beside
    the server.
    """
    report = RelabelReport()
    after = 0
    while True:
        with db.write() as conn:
            page = live_resources_after(conn, after, batch, KANGTONG_SENSITIVITY, sealing)
            for item in page:
                resource = parse_fhir_json(item.content)
                categories = classify(resource)
                if categories and _seal_one(conn, item, resource, indexer, sealing):
                    report.sealed += 1
                    report.changed += 1
                else:
                    report.changed += _relabel_one(conn, item, categories)
        if not page:
            return report
        report.examined += len(page)
        after = page[-1].pk
        if on_batch is not None:
            on_batch(report)


def _seal_one(
    conn: Connection,
    item: LabelledResource,
    resource: JsonObject,
    indexer: Indexer,
    sealing: ContentSealing,
) -> bool:
    """Seal a sensitive resource stored in clear; False if it is sealed already."""
    if item.sealed:
        return False
    rows = indexer.index(resource)
    if not rows.sealed:
        return False
    seal_in_place(conn, item.pk, (item.res_type, item.res_id), sealing, rows)
    return True


def _relabel_one(
    conn: Connection, item: LabelledResource, categories: frozenset[Sensitivity]
) -> int:
    key = param_key(item.res_type, "_security")
    present = {label for label in item.labels if label[0] == key}
    wanted: set[TokenKey] = {
        (row[0], KANGTONG_SENSITIVITY, str(row[2])) for row in label_rows(item.res_type, categories)
    }
    if wanted == present:
        return 0
    replace_labels(conn, item.pk, sorted(present - wanted), sorted(wanted - present))
    return 1
