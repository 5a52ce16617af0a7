"""Run Alembic migrations programmatically (`kangtong db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kangtong.core import canonical
from kangtong.store.database import Database
from kangtong.store.platform_facts import record_canonical_base
from kangtong.store.statistics import seed_statistics

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema of `db` up to `revision` (idempotent)."""
    config = alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    with db.engine.connect() as conn:
        seed_statistics(conn)
        record_canonical_base(conn, canonical.BASE)
        conn.commit()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The revision `upgrade` brings a database to: the one this kangtong's code expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
