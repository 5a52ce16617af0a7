"""The `kangtong` command."""

from __future__ import annotations

import importlib
import sqlite3
import sys

import typer

from kangtong.cli import demo, load, serve
from kangtong.cli.common import OperatorError
from kangtong.cli.db import db_app
from kangtong.core.errors import KangtongError
from kangtong.core.log_safety import install_safe_logging

# The canonical base is read when `core.canonical` is imported, as the registry and terminology
# commands do for their help (ADR 0020). A wrong KANGTONG_CANONICAL_BASE raises its
# CanonicalBaseError (a ValueError) there: kept to be said in one line by `main()`, not as a
# traceback before `main()` runs.
STARTUP_ERROR: ValueError | None = None
try:
    importlib.import_module("kangtong.core.canonical")
except ValueError as wrong_base:
    STARTUP_ERROR = wrong_base

app = typer.Typer(
    help="kangtong (康通): regional health information platform.", no_args_is_help=True
)


@app.callback()
def safe_logging() -> None:
    """Every command logs without exception messages or raw control characters (ADR 0025)."""
    install_safe_logging()


app.add_typer(db_app, name="db")
app.command("serve")(serve.serve)
app.command("load")(load.load)
app.command("demo")(demo.demo)

# Commands contributed by modules that may be absent in a partial checkout register themselves.
for module_name in (
    "kangtong.cli.synth",
    "kangtong.cli.ids",
    "kangtong.cli.terminology",
    "kangtong.cli.registry",
    "kangtong.cli.mpi",
    "kangtong.cli.auth",
    "kangtong.cli.audit",
    "kangtong.cli.backup",
    "kangtong.cli.export",
    "kangtong.cli.security",
    "kangtong.cli.config",
    "kangtong.cli.cda",
):
    if STARTUP_ERROR is not None:
        break  # `main()` stops with the error; these modules would raise it again
    try:
        command_module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    command_module.register(app)


def main() -> None:
    """The `kangtong` command: a problem the operator can fix is one line and exit status 1.

    A wrong or unsupported database URL, an unreachable database, or a domain error says what
    is wrong in one line on stderr, never as a traceback of the layers it passed through.
    """
    if STARTUP_ERROR is not None:
        print(f"kangtong: {STARTUP_ERROR}", file=sys.stderr)
        sys.exit(1)
    try:
        app()
    except Exception as exc:
        if not _operator_input(exc):
            raise
        print(f"kangtong: {_one_line(exc)}", file=sys.stderr)
        sys.exit(1)


def _operator_input(exc: Exception) -> bool:
    """Whether `exc` means input the operator can correct (anything else keeps its traceback):
    a domain refusal, a bad setting or URL, an unreachable or unmigrated database, or a file
    or folder the command was given that cannot be used.

    SQLAlchemy is imported here, once something failed, so `kangtong --help` never loads it
    (ADR 0030).
    """
    from sqlalchemy import exc as sa

    if isinstance(exc, OSError):
        return exc.filename is not None  # names the path: not a socket or an internal error
    if _missing_table(exc):
        return True
    operator_errors = (KangtongError, OperatorError, sa.ArgumentError, sa.NoSuchModuleError)
    return isinstance(exc, (*operator_errors, sa.OperationalError)) or _refused_connection(exc)


def _refused_connection(exc: BaseException) -> bool:
    """A driver error raised while connecting, before any statement ran: the URL's options
    (`?foo=bar`, an unknown libpq option), not a fault in kangtong's SQL, which names its
    statement."""
    from sqlalchemy import exc as sa

    refusals = (sa.ProgrammingError, sa.InterfaceError)
    return isinstance(exc, refusals) and exc.statement is None


def _missing_table(exc: BaseException) -> bool:
    """A query met a database without kangtong's tables: SQLite's wording or PostgreSQL's
    42P01, raised by the driver itself or wrapped by SQLAlchemy."""
    from sqlalchemy import exc as sa

    error = exc.orig if isinstance(exc, sa.DBAPIError) else exc
    if isinstance(error, sqlite3.OperationalError):
        return str(error).startswith("no such table")
    return getattr(error, "sqlstate", None) == "42P01"


def _one_line(exc: BaseException) -> str:
    from sqlalchemy import exc as sa

    if _missing_table(exc):
        return "the database has no kangtong schema: run `kangtong db upgrade`"
    if isinstance(exc, sa.OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        return f"cannot reach the database: {reason}"
    if _refused_connection(exc):
        lines = str(getattr(exc, "orig", "")).strip().splitlines()
        return f"cannot connect to the database: {lines[0] if lines else 'refused'}"
    if isinstance(exc, sa.NoSuchModuleError):
        return "unsupported database URL: use sqlite:///path or postgresql://…"
    if isinstance(exc, sa.ArgumentError):
        return "the database URL cannot be read: use sqlite:///path or postgresql://…"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc).strip().splitlines()[0]


if __name__ == "__main__":
    main()
