"""Engine creation for the two supported databases: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from kangtong.core.config import DEFAULT_DB_MAX_OVERFLOW, DEFAULT_DB_POOL_SIZE, Settings
from kangtong.core.errors import Invalid
from kangtong.store.driver_errors import domain_errors

Dialect = Literal["sqlite", "postgresql"]

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
    "PRAGMA mmap_size=268435456",
    # Checkpoint the WAL every ~64 MB rather than 4 MB: fewer fsyncs during bulk ingest.
    "PRAGMA wal_autocheckpoint=16384",
)
_WRITE = "kangtong_write"


class WriterQueue:
    """Orders SQLite writers across threads and processes by a lock file next to the database.

    SQLite's own busy handler polls with growing sleeps (up to 100 ms), so a second writer idles
    long after the lock is free; a blocking `flock` hands the turn over at once.
    """

    def __init__(self, database_path: str) -> None:
        self._path = database_path + "-writers"
        self._threads = threading.Lock()
        self._fd: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._threads:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class Database:
    """A connected database: the engine plus which dialect it speaks."""

    engine: Engine
    dialect: Dialect
    writers: WriterQueue | None = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE).

        Driver errors, the commit's included, leave as domain errors (`store.driver_errors`).
        """
        with domain_errors():
            if self.writers is None:
                connection = self.engine.connect().execution_options(**{_WRITE: True})
                with connection as conn, conn.begin():
                    yield conn
                return
            connection = self.engine.connect().execution_options(**{_WRITE: True})
            with self.writers.turn(), connection as conn, conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (one consistent snapshot); driver errors as in `write`."""
        with domain_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writers is not None:
            self.writers.close()


def parse_database_url(url: str) -> URL:
    """`url` parsed. SQLAlchemy raises a bare ValueError for a port that is not a number
    (`…@host:5432x/db`, an IPv6 address without its closing bracket): said as Invalid, one line
    that never repeats the URL (it may hold a password)."""
    try:
        return make_url(url)
    except ValueError:
        raise Invalid(
            "the database URL cannot be read (is its port a number?): use sqlite:///path or "
            "postgresql://user:password@host:port/db"
        ) from None


def open_configured(settings: Settings) -> Database:
    """The database of `settings`, with its pool sizes: what a serving process opens."""
    return open_database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def open_database(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = DEFAULT_DB_POOL_SIZE,
    max_overflow: int = DEFAULT_DB_MAX_OVERFLOW,
) -> Database:
    """Create the engine for `url` (sqlite:///path or postgresql+psycopg://…).

    The engine hides statement parameters from its errors and its SQL log: they are values
    of health records (citizen ID numbers, names), and both end up in log files (ADR 0025).
    `pool_size` and `max_overflow` bound the PostgreSQL connections of this process.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        writers = WriterQueue(path) if path and path != ":memory:" else None
        return Database(_sqlite_engine(url, echo=echo), "sqlite", writers)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,
        )
        return Database(engine, "postgresql")
    raise Invalid(f"Unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        writing = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine
