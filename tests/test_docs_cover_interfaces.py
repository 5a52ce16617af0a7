"""Every HTTP route and every CLI command is documented (a route nobody can find is a defect)."""

from __future__ import annotations

from pathlib import Path

import typer.main
from fastapi.routing import APIRoute

from kangtong.cli.main import app as cli_app
from kangtong.web.app import optional_routers
from kangtong.web.fhir_routes import router

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
)


def _documented_form(path: str) -> str:
    """`/fhir/{res_type}/{res_id}/_history/{version}` → `/{type}/{id}/_history/{vid}` as the docs write it."""
    return (
        path.removeprefix("/fhir")
        .replace("{res_type}", "{type}")
        .replace("{res_id}", "{id}")
        .replace("{version}", "{vid}")
    )


def test_every_http_route_appears_in_the_docs() -> None:
    missing = []
    routes = [route for r in (router, *optional_routers()) for route in r.routes]
    for route in routes:
        assert isinstance(route, APIRoute)
        form = _documented_form(route.path) or "/fhir"
        if form != "/fhir" and form not in DOCS and f"/fhir{form}" not in DOCS:
            missing.append(f"{sorted(route.methods)} {route.path}")
    assert missing == []


def test_every_cli_command_appears_in_the_docs() -> None:
    group = typer.main.get_group(cli_app)
    names: list[str] = []
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        names.extend(f"kangtong {name} {child}" for child in sub) if sub else names.append(
            f"kangtong {name}"
        )
    missing = [n for n in names if n not in DOCS]
    assert missing == []
