"""Alembic environment: the same migrations run on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

from kangtong.store.database import open_database
from kangtong.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    db = open_database(config.get_main_option("sqlalchemy.url") or "")
    with db.engine.connect() as conn:
        _run(conn)
        conn.commit()
    db.dispose()
