"""Facts about an installation that its stored data depends on, recorded once.

Today one: the canonical base (`kangtong.core.canonical`). The URLs minted under it are written
into resources, so a process configured with another base must not write into a database
whose data uses the first one — it would split every code system and identifier system in two.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, inspect, select

from kangtong.core.canonical import ENVIRONMENT_VARIABLE
from kangtong.store.database import Database
from kangtong.store.tables import platform_fact

CANONICAL_BASE = "canonical_base"


class CanonicalBaseMismatch(RuntimeError):
    """The database's data was written under another canonical base."""


def record_canonical_base(conn: Connection, base: str) -> None:
    """Remember `base` as the installation's canonical base unless one is recorded already
    (nothing to do on a schema migrated only part of the way, without the table)."""
    if not inspect(conn).has_table(platform_fact.name):
        return
    if stored_canonical_base(conn) is None:
        conn.execute(insert(platform_fact).values(name=CANONICAL_BASE, value=base))


def stored_canonical_base(conn: Connection) -> str | None:
    stmt = select(platform_fact.c.value).where(platform_fact.c.name == CANONICAL_BASE)
    value = conn.execute(stmt).scalar_one_or_none()
    return None if value is None else str(value)


def require_canonical_base(db: Database, base: str) -> None:
    """Refuse a database whose recorded canonical base differs from `base`.

    A database not yet migrated (no table) or with no base recorded yet is accepted: the next
    `kangtong db upgrade` records the base then in use.
    """
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(platform_fact.name):
            return
        stored = stored_canonical_base(conn)
    if stored is not None and stored != base:
        raise CanonicalBaseMismatch(
            f"This database's data uses the canonical base {stored}, but this process was "
            f"started with {base}: set {ENVIRONMENT_VARIABLE}={stored} (the base cannot change "
            "once data is stored)"
        )
