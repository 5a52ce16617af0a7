"""Bulk loading of NDJSON and Bundle files through the resource service.

Resources are written in batches (one transaction each). A resource that fails validation is
rejected on its own and the rest of its batch is stored; if a batch fails in the database, it
is retried one resource at a time so one bad line never takes others down with it. Whatever a
line raises — a domain error, a value the database refuses (`store.driver_errors`), a failure
nobody foresaw — it is a rejected line with a reason, never the end of the load; only a
database that cannot be reached (`Unavailable`) stops it.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from kangtong.core.errors import KangtongError, Unavailable
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.core.log_safety import exception_summary
from kangtong.fhir.access import AccessContext
from kangtong.fhir.bundles import BundleProcessor
from kangtong.fhir.changeset import Changeset
from kangtong.fhir.model.json_shape import JsonLimits, check_json_shape
from kangtong.fhir.service import ResourceService

MAX_REASONS = 200
# Files are the operator's own, so arrays may be long; nesting is capped all the same, because
# the validator and the JSON writer recurse (ADR 0019).
FILE_LIMITS = JsonLimits(max_array_items=None)
log = logging.getLogger("kangtong.loader")


@dataclass
class Rejection:
    source: str  # file:line
    reason: str


@dataclass
class LoadReport:
    loaded: int = 0
    rejected: int = 0
    flagged: int = 0  # loaded with a warning, e.g. a citizen ID failing GB 11643 (ADR 0027)
    by_type: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, source: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REASONS:
            self.rejections.append(Rejection(source, reason))

    def accept(self, res_type: str) -> None:
        self.loaded += 1
        self.by_type[res_type] = self.by_type.get(res_type, 0) + 1


Item = tuple[str, JsonObject | None, str | None]  # (source, resource or None, parse error)
Progress = Callable[[int], None]


class ResourceLoader:
    def __init__(
        self, service: ResourceService, bundles: BundleProcessor, *, batch_size: int = 500
    ) -> None:
        self._service = service
        self._bundles = bundles
        self._batch_size = batch_size

    def load_file(
        self, ctx: AccessContext, path: Path, report: LoadReport, progress: Progress
    ) -> None:
        if path.suffix == ".ndjson" or path.name.endswith(".ndjson.gz"):
            self._load_items(ctx, _ndjson_items(path, progress), report)
            return
        try:
            document = parse_fhir_json(path.read_bytes(), what=str(path))
            check_json_shape(document, FILE_LIMITS, what=str(path))
        except KangtongError as exc:
            report.reject(str(path), exc.message)
            return
        progress(path.stat().st_size)
        if document.get("resourceType") == "Bundle" and document.get("type") in (
            "transaction",
            "batch",
        ):
            self._load_bundle(ctx, path, document, report)
        elif document.get("resourceType") == "Bundle":
            entries = document.get("entry") or []
            items = [
                (f"{path}#entry[{i}]", *_resource_of(entry))
                for i, entry in enumerate(entries if isinstance(entries, list) else [entries])
            ]
            self._load_items(ctx, iter(items), report)
        else:
            self._load_items(ctx, iter([(str(path), document, None)]), report)

    def _load_bundle(
        self, ctx: AccessContext, path: Path, bundle: JsonObject, report: LoadReport
    ) -> None:
        try:
            response = self._bundles.process(ctx, bundle)
        except Unavailable:
            raise
        except Exception as exc:
            report.reject(str(path), _reason(exc))
            return
        for entry, result in zip(bundle.get("entry") or [], response["entry"], strict=False):
            status = result.get("response", {}).get("status", "")
            resource, _error = _resource_of(entry)
            res_type = (resource or {}).get("resourceType", "?")
            if status[:1] == "2":
                report.accept(res_type)
                report.flagged += "outcome" in result.get("response", {})
            else:
                report.reject(str(path), f"{res_type}: {status}")

    def _load_items(self, ctx: AccessContext, items: Iterator[Item], report: LoadReport) -> None:
        batch: list[Item] = []
        for item in items:
            if item[1] is None:
                report.reject(item[0], item[2] or "not a resource")
                continue
            batch.append(item)
            if len(batch) >= self._batch_size:
                self._write_batch(ctx, batch, report)
                batch = []
        if batch:
            self._write_batch(ctx, batch, report)

    def _write_batch(self, ctx: AccessContext, batch: list[Item], report: LoadReport) -> None:
        pending = LoadReport()
        try:
            with self._service.changeset(ctx) as changes:
                changes.prefetch(
                    [
                        (r["resourceType"], r["id"])
                        for _s, r, _e in batch
                        if r is not None
                        and isinstance(r.get("id"), str)
                        and isinstance(r.get("resourceType"), str)
                    ]
                )
                for source, resource, _error in batch:
                    assert resource is not None
                    self._stage_one(changes, source, resource, pending)
        except Unavailable:
            raise
        except Exception as exc:
            if len(batch) == 1:
                report.reject(batch[0][0], _reason(exc))
                return
            for item in batch:  # isolate the culprit
                self._write_batch(ctx, [item], report)
            return
        report.loaded += pending.loaded
        report.rejected += pending.rejected
        report.flagged += pending.flagged
        for res_type, n in pending.by_type.items():
            report.by_type[res_type] = report.by_type.get(res_type, 0) + n
        room = MAX_REASONS - len(report.rejections)
        report.rejections.extend(pending.rejections[: max(room, 0)])

    def _stage_one(
        self, changes: Changeset, source: str, resource: JsonObject, report: LoadReport
    ) -> None:
        try:
            if isinstance(resource.get("id"), str):
                outcome = changes.update(
                    str(resource.get("resourceType")), resource["id"], resource
                )
            else:
                outcome = changes.create(resource)
        except KangtongError as exc:
            report.reject(source, exc.message)
            return
        report.accept(str(resource.get("resourceType")))
        report.flagged += bool(outcome.warnings)


def _open_lines(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _ndjson_items(path: Path, progress: Progress) -> Iterator[Item]:
    with _open_lines(path) as handle:
        for number, line in enumerate(handle, start=1):
            progress(len(line))
            if not line.strip():
                continue
            source = f"{path.name}:{number}"
            try:
                resource = parse_fhir_json(line, what=f"line {number}")
                check_json_shape(resource, FILE_LIMITS, what=f"line {number}")
            except KangtongError as exc:
                yield source, None, exc.message
                continue
            yield source, resource, None


def _resource_of(entry: object) -> tuple[JsonObject | None, str | None]:
    resource = entry.get("resource") if isinstance(entry, dict) else None
    if isinstance(resource, dict):
        return resource, None
    return None, "entry without resource"


def _reason(exc: Exception) -> str:
    """Why a resource was not stored, for the report (no message of an unforeseen error)."""
    if isinstance(exc, KangtongError):
        return exc.message
    log.error("unexpected %s while loading", exception_summary(exc))
    return f"kangtong could not store it ({type(exc).__name__}); see the log"


def files_to_load(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the NDJSON and JSON files they contain, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix in (".ndjson", ".json") or p.name.endswith(".ndjson.gz")
                )
            )
        else:
            found.append(path)
    return found
