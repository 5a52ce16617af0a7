"""Bulk inserts land every row of every table, or none of them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kangtong.store import bulk
from kangtong.store.database import Database
from kangtong.store.tables import idx_token, outbox


@pytest.mark.parametrize("rows", [1, 150, 600])
def test_every_row_of_every_table_is_inserted(database: Database, rows: int) -> None:
    tokens = [(n, 7, "http://loinc.org", f"c{n}", None) for n in range(rows)]
    events = [("resource.created", "Patient", f"p{n}", 1, n, None) for n in range(2)]
    with database.write() as conn:
        bulk.insert_batches(
            conn,
            [
                (idx_token, ("resource_pk", "param", "system", "code", "text"), tokens),
                (outbox, ("topic", "res_type", "res_id", "version", "created", "payload"), events),
                (idx_token, ("resource_pk", "param", "system", "code", "text"), []),
            ],
        )
    with database.read() as conn:
        stored = conn.execute(select(idx_token.c.code).order_by(idx_token.c.resource_pk)).all()
        assert [r[0] for r in stored] == [f"c{n}" for n in range(rows)]
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 2


def test_a_failing_row_fails_the_whole_insert(database: Database) -> None:
    with pytest.raises(Exception), database.write() as conn:  # noqa: B017 - driver-specific
        bulk.insert_batches(
            conn, [(idx_token, ("resource_pk", "param", "code"), [(1, 7, "a"), (2, None, "b")])]
        )
    with database.read() as conn:
        assert conn.execute(select(func.count()).select_from(idx_token)).scalar_one() == 0
