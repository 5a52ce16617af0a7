"""The `$operations` this app serves, read off its routers for the CapabilityStatement."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.routing import APIRoute

from kangtong.fhir.operation_definitions import ServedOperation
from kangtong.web.fhir_formats import is_fhir_path


def served_operations(routers: Iterable[APIRouter]) -> list[ServedOperation]:
    """Every FHIR route with a `$name` segment, its path relative to `/fhir`."""
    return [
        ServedOperation(
            route.path.removeprefix("/fhir"), tuple(sorted((route.methods or set()) - {"HEAD"}))
        )
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        and is_fhir_path(route.path)
        and any(s.startswith("$") for s in route.path.split("/"))
    ]
