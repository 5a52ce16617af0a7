"""Several worker processes may write to one embedded SQLite database at the same time."""

from __future__ import annotations

from multiprocessing import get_context
from pathlib import Path

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade


def _write_patients(url: str, prefix: str, count: int) -> None:
    platform = build_platform(Settings(database_url=url))
    ctx = AccessContext.system("worker")
    for i in range(count):
        res_id = f"{prefix}-{i}"
        platform.service.update(ctx, "Patient", res_id, {"resourceType": "Patient", "id": res_id})
    platform.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    db = open_database(url)
    upgrade(db)
    db.dispose()
    context = get_context("spawn")
    workers = [context.Process(target=_write_patients, args=(url, name, 40)) for name in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    platform = build_platform(Settings(database_url=url))
    found = platform.service.search(AccessContext.system(), "Patient", [("_summary", "count")])
    platform.close()
    assert found.total == 80
