"""The `kangtong` command."""

from __future__ import annotations

import importlib

import typer

from kangtong.cli import demo, load, serve
from kangtong.cli.db import db_app
from kangtong.core.log_safety import install_safe_logging

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
):
    try:
        command_module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    command_module.register(app)
