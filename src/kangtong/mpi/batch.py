"""批量匹配 — the batch interface: an identity CSV in, `record_id,person_id` out.

INPUT header: record_id,source,name,sex,birth_date,id_number,phone,address (UTF-8, a BOM is
allowed; every field but record_id may be empty; extra columns are ignored). Every input row gets
a person_id in the output, in input order.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from kangtong.core.errors import Invalid
from kangtong.mpi.chinese import chinese_identity_schema
from kangtong.mpi.default_model import default_model
from kangtong.mpi.linker import Linker, LinkerSettings, LinkResult, Progress
from kangtong.mpi.normalise.record import IdentityRecord, PersonRecord, RecordNormaliser

INPUT_COLUMNS = (
    "record_id",
    "source",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "address",
)
OUTPUT_COLUMNS = ("record_id", "person_id")


def read_identity_csv(path: Path) -> list[IdentityRecord]:
    """Rows of an INPUT file; raises Invalid when record_id is missing or repeated."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        if "record_id" not in header:
            raise Invalid(f"{path.name}: header must include record_id (got {header})")
        reader.fieldnames = header
        records = [_record(row, line) for line, row in enumerate(reader, start=2)]
    seen: set[str] = set()
    for record in records:
        if record.record_id in seen:
            raise Invalid(f"{path.name}: record_id {record.record_id!r} appears twice")
        seen.add(record.record_id)
    return records


def _record(row: dict[str, str | None], line: int) -> IdentityRecord:
    record_id, source, name, sex, birth_date, id_number, phone, address = (
        (row.get(c) or "").strip() for c in INPUT_COLUMNS
    )
    if not record_id:
        raise Invalid(f"line {line}: record_id is empty")
    return IdentityRecord(record_id, source, name, sex, birth_date, id_number, phone, address)


def person_ids(labels: Sequence[int]) -> list[str]:
    """Stable person ids P0000001… numbered in order of each person's first record."""
    width = max(7, len(str(max(labels, default=0) + 1)))
    return [f"P{label + 1:0{width}d}" for label in labels]


def write_person_ids(path: Path, records: Sequence[IdentityRecord], labels: Sequence[int]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(OUTPUT_COLUMNS)
        writer.writerows((r.record_id, p) for r, p in zip(records, person_ids(labels), strict=True))


def link_identity_records(
    records: Iterable[IdentityRecord],
    settings: LinkerSettings | None = None,
    progress: Progress | None = None,
) -> tuple[list[PersonRecord], LinkResult[PersonRecord]]:
    """Normalise and link; the result's labels follow the records' order."""
    normaliser = RecordNormaliser()
    people = [normaliser.normalise(r) for r in records]
    if progress:
        progress("normalising", len(people), len(people))
    fallback = default_model().model
    return people, Linker(chinese_identity_schema(), settings).link(people, progress, fallback)
