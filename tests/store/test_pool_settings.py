"""The PostgreSQL pool of a serving process is sized by KANGTONG_DB_POOL_SIZE/_MAX_OVERFLOW."""

from __future__ import annotations

import pytest
from sqlalchemy.pool import QueuePool

from kangtong.core.config import Settings
from kangtong.store.database import open_configured


def test_the_configured_pool_sizes_reach_the_postgresql_engine() -> None:
    settings = Settings(
        database_url="postgresql://kt@127.0.0.1:1/kt", db_pool_size=3, db_max_overflow=7
    )
    db = open_configured(settings)  # no connection is made until one is needed
    try:
        pool = db.engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == 3
        assert pool._max_overflow == 7  # QueuePool exposes no getter
    finally:
        db.dispose()


def test_the_defaults_are_ten_and_twenty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KANGTONG_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("KANGTONG_DB_MAX_OVERFLOW", raising=False)
    db = open_configured(Settings(database_url="postgresql://kt@127.0.0.1:1/kt"))
    try:
        assert db.engine.pool.size() == 10
        assert db.engine.pool._max_overflow == 20
    finally:
        db.dispose()


def test_a_pool_of_no_connections_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="db_pool_size"):
        Settings(db_pool_size=0)
