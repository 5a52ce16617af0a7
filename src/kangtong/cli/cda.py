"""`kangtong cda …`: CDA R2 shared documents (共享文档)."""

from __future__ import annotations

import typer

from kangtong.cli.cda_assemble import assemble

cda_app = typer.Typer(help="CDA R2 shared documents (共享文档).", no_args_is_help=True)
cda_app.command("assemble")(assemble)


def register(app: typer.Typer) -> None:
    """Add the `cda` group to the kangtong CLI."""
    app.add_typer(cda_app, name="cda")
