"""`kangtong --help` and the help of every group load no engine, server or platform (ADR 0030).

Each command imports what it needs when it runs; the help comes from the commands' own
signatures and docstrings, so it stays complete. Run in a fresh interpreter, as the operator's
shell runs it: what a test process imported already would hide an eager import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import typer.main

from kangtong.cli import audit, export, mpi, synth
from kangtong.cli.main import app

# Loaded only by the commands that use them: each costs from a tenth of a second (fastapi)
# to most of one (the platform with the MPI engine, pypinyin's dictionaries, numpy).
HEAVY = ("pypinyin", "numpy", "kangtong.mpi", "kangtong.platform", "uvicorn", "fastapi",
         "kangtong.web", "kangtong.fhir.model", "sqlalchemy", "lxml",
         "kangtong.documents.validation")  # fmt: skip
GROUPS = sorted(
    name
    for name, command in typer.main.get_group(app).commands.items()
    if hasattr(command, "commands")
)

PROBE = """
import io, json, sys, time
from contextlib import redirect_stdout
started = time.perf_counter()
from kangtong.cli.main import app
out = io.StringIO()
with redirect_stdout(out):
    try:
        app(sys.argv[1:], prog_name="kangtong")
    except SystemExit as exit:
        code = exit.code
seconds = time.perf_counter() - started
heavy = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
print(json.dumps({"code": code, "seconds": seconds, "heavy": heavy, "help": out.getvalue()}))
"""


def help_of(*args: str) -> dict[str, object]:
    probe = f"HEAVY = {HEAVY!r}\n{PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", probe, *args, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_kangtong_help_lists_every_command_and_loads_nothing_heavy() -> None:
    started = time.perf_counter()
    shown = help_of()
    print(f"kangtong --help: {shown['seconds']:.2f} s in the process, "
          f"{time.perf_counter() - started:.2f} s with the interpreter")  # fmt: skip
    assert shown["code"] == 0
    assert shown["heavy"] == []
    for name in typer.main.get_group(app).commands:
        assert f" {name} " in str(shown["help"]), f"{name} missing from kangtong --help"
    assert float(str(shown["seconds"])) < 1.5  # a loose guard: ~0.3 s here, 1.9 s before


@pytest.mark.parametrize("group", GROUPS)
def test_the_help_of_every_group_loads_nothing_heavy(group: str) -> None:
    shown = help_of(group)
    assert shown["code"] == 0
    assert shown["heavy"] == []
    subcommands = typer.main.get_group(app).commands[group].commands  # type: ignore[attr-defined]
    for name in subcommands:
        assert f" {name} " in str(shown["help"]), f"{group} {name} missing from its help"


def test_the_help_of_a_command_that_runs_the_mpi_engine_does_not_load_it() -> None:
    assert help_of("mpi", "link")["heavy"] == []


def test_defaults_shown_in_the_help_are_the_domain_defaults() -> None:
    """The few defaults the CLI mirrors, so that `--help` need not import their modules."""
    from kangtong.mpi.linker import LinkerSettings
    from kangtong.security.audit_trail import MIN_RETENTION_DAYS
    from kangtong.security.export.workflow import DEFAULT_K
    from kangtong.synth.config import DEFAULT_FORMATS, DEMO_PEOPLE

    assert (
        LinkerSettings().link_threshold,
        LinkerSettings().review_threshold,
    ) == (mpi.LINK_THRESHOLD, mpi.REVIEW_THRESHOLD)
    assert export.DEFAULT_K == DEFAULT_K
    assert audit.MIN_RETENTION_DAYS == MIN_RETENTION_DAYS
    assert (synth.DEMO_PEOPLE, synth.DEFAULT_FORMATS) == (DEMO_PEOPLE, DEFAULT_FORMATS)
