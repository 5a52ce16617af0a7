"""The master index's blocking store: candidates come from every key's block, except blocks too
large to say anything (a common name and birth year), which are skipped whole."""

from __future__ import annotations

from dataclasses import replace

from kangtong.store.database import Database
from kangtong.store.mpi_index import MpiIndexStore, SourceLink

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


def test_candidates_come_with_the_keys_they_share_most_first(database: Database) -> None:
    store = MpiIndexStore()
    keys = list(range(100, 111))  # 11 keys: the statement is padded past the 8-key bucket
    with database.write() as conn:
        store.bulk_add_persons(
            conn,
            [
                (1, "one-key", b"a", [keys[0]]),
                (2, "every-key", b"b", keys),
                (3, "three-keys", b"c", keys[4:7]),
                (4, "elsewhere", b"d", [999]),
            ],
            now=0,
        )
    with database.read() as conn:
        found = store.candidates(conn, [*keys, keys[0], keys[0]], max_block_size=10)
    assert [(p.person_id, p.shared) for p in found] == [
        ("every-key", 11),
        ("three-keys", 3),
        ("one-key", 1),
    ]


def test_source_links_are_saved_replaced_and_deleted(database: Database) -> None:
    store = MpiIndexStore()
    link = SourceLink("p1", 7, 1, b"{}", 6.5, "name=exact", "auto", 10)
    with database.write() as conn:
        store.save_source(conn, link, new=True)
        store.save_source(conn, replace(link, person_pk=8, score=None, method="new"))
        assert store.source(conn, "p1") == replace(link, person_pk=8, score=None, method="new")
        assert [s.patient_id for s in store.sources_of(conn, 8)] == ["p1"]
        assert store.patient_ids_of(conn, [7, 8]) == {7: [], 8: ["p1"]}
        assert store.delete_source(conn, "p1") is True
        assert store.delete_source(conn, "p1") is False
        assert store.source(conn, "p1") is None


def test_persons_added_after_a_bulk_load_get_fresh_keys(database: Database) -> None:
    store = MpiIndexStore()
    with database.write() as conn:
        store.bulk_add_persons(conn, [(1, "loaded-1", b"a", [1]), (2, "loaded-2", b"b", [2])], 0)
        added = store.add_person(conn, "added", b"c", [3], 0)
    assert added > 2
