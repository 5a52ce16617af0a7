"""`kangtong load`: bad lines are rejected with a reason and never stop or corrupt the rest."""

from __future__ import annotations

from pathlib import Path

import orjson

from kangtong.cli.load import load_paths
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform, build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from tests.api.fixtures import glucose, patient
from tests.conftest import _truncate


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


def test_a_nul_character_is_a_rejected_line_and_the_good_lines_are_stored(
    platform: Platform, tmp_path: Path
) -> None:
    lines = [
        orjson.dumps(patient("李", "娜", citizen_id="110101199003070026") | {"id": "good-1"}),
        orjson.dumps(patient("王", "伟\x00") | {"id": "bad"}),
        orjson.dumps(patient("张", "三", citizen_id="110101199003070042") | {"id": "good-2"}),
    ]
    source = tmp_path / "nul.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    report = load_paths(platform, [source], batch_size=10, show=False)
    assert (report.loaded, report.rejected) == (2, 1)
    assert [r.source for r in report.rejections] == ["nul.ndjson:2"]
    assert "U+0000" in report.rejections[0].reason
    found = platform.service.search(AccessContext.system(), "Patient", [])
    assert sorted(e.res_id for e in found.entries) == ["good-1", "good-2"]


def test_a_line_the_database_refuses_is_reported_not_fatal(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """Without validation the U+0000 reaches PostgreSQL, which refuses it: one line, not the load."""
    settings = Settings(
        database_url=pg_schema_url,
        security_key_dir=str(tmp_path / "keys"),
        validate_resources=False,
    )
    database = open_database(pg_schema_url)
    upgrade(database)
    platform = build_platform(settings, database=database)
    try:
        lines = [orjson.dumps(patient() | {"id": f"p{i}"}) for i in range(5)]
        lines[2] = orjson.dumps(patient("王", "伟\x00") | {"id": "p2"})
        source = tmp_path / "region.ndjson"
        source.write_bytes(b"\n".join(lines) + b"\n")
        report = load_paths(platform, [source], batch_size=5, show=False)
        assert (report.loaded, report.rejected) == (4, 1)
        assert [r.source for r in report.rejections] == ["region.ndjson:3"]
        assert "database cannot store a value" in report.rejections[0].reason
        found = platform.service.search(AccessContext.system(), "Patient", [])
        assert sorted(e.res_id for e in found.entries) == ["p0", "p1", "p3", "p4"]
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()
        _truncate(database)
        database.dispose()


def test_a_line_nested_too_deeply_is_a_rejected_line(platform: Platform, tmp_path: Path) -> None:
    deep = b'{"resourceType":"Patient","id":"deep","x":1.50,"y":' + b"[" * 3000 + b"]" * 3000
    source = tmp_path / "deep.ndjson"
    source.write_bytes(deep + b"}\n" + orjson.dumps(patient() | {"id": "fine"}) + b"\n")
    report = load_paths(platform, [source], show=False)
    assert (report.loaded, report.rejected) == (1, 1)
    assert report.rejections[0].source == "deep.ndjson:1"
