"""Every terminology route is documented (the generic docs test covers only the FHIR router)."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from kangtong.web.terminology_routes import router

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "terminology.md").read_text(encoding="utf-8")


def test_every_terminology_route_appears_in_docs_terminology_md() -> None:
    missing = []
    for route in router.routes:
        assert isinstance(route, APIRoute)
        form = route.path.replace("{res_id}", "{id}")
        for method in route.methods:
            if f"| {method} | `{form}`" not in DOCS:
                missing.append(f"{method} {form}")
    assert missing == []
