"""Run Alembic migrations programmatically (`kangtong db upgrade`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

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


# current: at the head revision; behind: a known older revision (run `kangtong db upgrade`);
# unknown: a revision these migrations do not know (the database is newer than the code);
# empty: never migrated.
SchemaState = Literal["current", "behind", "unknown", "empty"]


@cache
def known_revisions() -> tuple[str, tuple[str, ...]]:
    """The head revision and every revision of the shipped migrations (read once a process)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if head is None:
        raise RuntimeError("the migrations have no head revision")
    return head, tuple(script.revision for script in scripts.walk_revisions())


def schema_state(db: Database) -> SchemaState:
    """Where the schema of `db` stands against the migrations this code ships."""
    current = current_revision(db)
    head, known = known_revisions()
    if current is None:
        return "empty"
    if current == head:
        return "current"
    return "behind" if current in known else "unknown"


def head_revision() -> str | None:
    """The revision `upgrade` brings a database to: the one this kangtong's code expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
