"""Consistent database snapshots for `kangtong backup`/`restore` (the store's SQL side).

- SQLite: the online backup API copies a consistent image page by page while others write.
- PostgreSQL: `pg_dump -Fc` of the schema in use (one repeatable-read snapshot) and
  `pg_restore` into an empty schema of the same name (in another database, or this one after
  it was dropped).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from kangtong.core.errors import Conflict, Invalid
from kangtong.store.database import Database


def sqlite_snapshot(db: Database, destination: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(destination)
        try:
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
    finally:
        raw.close()


def sqlite_restore(snapshot: Path, db: Database) -> None:
    """Copy `snapshot` into the (empty) SQLite database of `db`."""
    require_empty(db)
    source = sqlite3.connect(snapshot)
    raw = db.engine.raw_connection()
    try:
        source.backup(raw.driver_connection)  # type: ignore[arg-type]
    finally:
        raw.close()
        source.close()
    db.engine.dispose()  # pooled connections must see the new file content


def require_empty(db: Database) -> None:
    names = inspect(db.engine).get_table_names(
        schema=_schema(db) if db.dialect == "postgresql" else None
    )
    if names:
        raise Conflict(
            f"The target database is not empty ({len(names)} tables): restore needs an empty one"
        )


def _schema(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar() or "public")


def _libpq(db: Database) -> tuple[list[str], dict[str, str]]:
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", unquote(url.username)]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _target_schema(db: Database) -> str:
    """The first schema of the URL's search_path option, else `public`."""
    options = str(make_url(db.engine.url).query.get("options", ""))
    for part in options.split():
        name, _, value = part.removeprefix("-c").partition("=")
        if name.strip() == "search_path" and value:
            return value.split(",")[0].strip()
    return "public"


def pg_dump(db: Database, destination: Path) -> str:
    """Dump the schema in use to `destination` (custom format); returns the schema name."""
    schema = _schema(db)
    args, env = _libpq(db)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--schema={schema}",
          f"--file={destination}", *args], env)  # fmt: skip
    return schema


def pg_restore(dump: Path, db: Database, schema: str) -> None:
    """Restore a dump of `schema` into `db`, whose schema of that name must be absent or empty."""
    if _target_schema(db) != schema:
        raise Invalid(f"The backup holds schema {schema!r}; point --database-url at that schema")
    with db.engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        ).first()
    if exists:
        require_empty(db)
    args, env = _libpq(db)
    with tempfile.TemporaryDirectory() as work:
        listing = Path(work) / "toc.list"
        toc = _run(["pg_restore", "--list", str(dump)], env)
        keep = [
            line for line in toc.splitlines() if not (exists and f" SCHEMA - {schema} " in line)
        ]
        listing.write_text("\n".join(keep) + "\n")
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--use-list={listing}", *args, str(dump)], env)  # fmt: skip
    db.engine.dispose()


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise Invalid(f"{command[0]} is not installed (Debian: postgresql-client)") from exc
    if done.returncode != 0:
        raise Invalid(f"{command[0]} failed: {done.stderr.strip()[:500]}")
    return done.stdout
