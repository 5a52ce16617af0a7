"""Installations in two schemas of one PostgreSQL database do not share advisory locks."""

from __future__ import annotations

import pytest

from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.store.outbox_turns import delivery_turn
from tests.served import own_schema

pytestmark = pytest.mark.pg


def test_a_delivery_turn_in_one_schema_does_not_take_the_other_schemas(
    pg_schema_url: str,
) -> None:
    with own_schema(pg_schema_url) as first_url, own_schema(pg_schema_url) as second_url:
        first, second = open_database(first_url), open_database(second_url)
        upgrade(first)
        upgrade(second)
        try:
            with delivery_turn(first, "mpi-link-on-ingest") as held:
                assert held is not None
                with delivery_turn(second, "mpi-link-on-ingest") as other:
                    assert other is not None  # the other installation delivers too
                with delivery_turn(first, "mpi-link-on-ingest") as rival:
                    assert rival is None  # in one schema the turn is still exclusive
        finally:
            first.dispose()
            second.dispose()
