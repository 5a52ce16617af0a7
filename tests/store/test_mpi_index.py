"""The master index's blocking store: candidates come from every key's block, except blocks too
large to say anything (a common name and birth year), which are skipped whole."""

from __future__ import annotations

from kangtong.store.database import Database
from kangtong.store.mpi_index import MpiIndexStore

COMMON_KEY, RARE_KEY, OTHER_KEY = 7, 11, 13


def test_candidates_skip_oversized_blocks_and_keep_the_rest(database: Database) -> None:
    store = MpiIndexStore()
    with database.write() as conn:
        rows = [(pk, f"person-{pk}", b"f%d" % pk, [COMMON_KEY]) for pk in range(1, 6)]
        rows.append((6, "person-6", b"f6", [COMMON_KEY, RARE_KEY]))
        rows.append((7, "person-7", b"f7", [OTHER_KEY]))
        store.bulk_add_persons(conn, rows, now=0)
    with database.read() as conn:
        found = store.candidates(conn, [COMMON_KEY, RARE_KEY], max_block_size=3)
        assert [(p.person_id, p.features) for p in found] == [("person-6", b"f6")]
        everyone = store.candidates(conn, [COMMON_KEY, RARE_KEY, OTHER_KEY], max_block_size=6)
        assert sorted(p.person_id for p in everyone) == [f"person-{i}" for i in range(1, 8)]
        assert store.candidates(conn, [], max_block_size=6) == []
