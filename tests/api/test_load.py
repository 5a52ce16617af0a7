"""`kangtong load`: bad lines are rejected with a reason and never stop or corrupt the rest."""

from __future__ import annotations

from pathlib import Path

import orjson

from kangtong.cli.load import load_paths
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from tests.api.fixtures import glucose, patient


def test_rejected_lines_are_reported_and_the_rest_is_loaded(
    platform: Platform, tmp_path: Path
) -> None:
    lines = [
        orjson.dumps(patient() | {"id": "p1"}),
        b'{"resourceType": "Patient", "name": [',
        orjson.dumps(glucose("Patient/p1", 5.0) | {"status": "nonsense"}),
        orjson.dumps(glucose("Patient/p1", 6.0)),
    ]
    source = tmp_path / "region.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    report = load_paths(platform, [source], batch_size=2, show=False)
    assert (report.loaded, report.rejected) == (2, 2)
    assert {r.source for r in report.rejections} == {"region.ndjson:2", "region.ndjson:3"}
    found = platform.service.search(
        AccessContext.system(), "Observation", [("subject", "Patient/p1")]
    )
    assert found.total == 1


def test_loading_the_same_file_twice_creates_nothing_new(
    platform: Platform, tmp_path: Path
) -> None:
    source = tmp_path / "one.ndjson"
    source.write_bytes(orjson.dumps(patient() | {"id": "p2"}) + b"\n")
    load_paths(platform, [source], show=False)
    load_paths(platform, [source], show=False)
    found = platform.service.search(AccessContext.system(), "Patient", [])
    assert found.total == 1
