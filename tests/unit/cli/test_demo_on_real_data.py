"""`kangtong demo` never binds demo accounts to people of a database it did not fill (issue 14).

On a database whose patients the demo did not load it would otherwise link `demo-doctor` to a
real practitioner, `demo-resident` to a real patient, register a client of a real institution
and print working passwords for all of them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from tests.unit.cli.test_operator_errors import assert_one_line, kangtong


def test_the_demo_refuses_a_database_whose_patients_it_did_not_load(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'real.db'}"
    db = open_database(database_url)
    upgrade(db)
    db.dispose()
    keys = tmp_path / "var" / "keys"  # where the command, run in tmp_path, keeps its keys
    platform = build_platform(Settings(database_url=database_url, security_key_dir=str(keys)))
    try:
        patient = {"resourceType": "Patient", "name": [{"family": "王", "given": ["伟"]}]}
        platform.service.create(AccessContext.system("hospital"), patient)
    finally:
        platform.close()

    done = kangtong("demo", "--database-url", database_url, "--people", "20", cwd=tmp_path)

    assert_one_line(done, "did not load")
    with sqlite3.connect(tmp_path / "real.db") as conn:
        assert conn.execute("SELECT count(*) FROM sec_account").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sec_client").fetchone() == (0,)
    assert not (keys / "demo-credentials.json").exists()
