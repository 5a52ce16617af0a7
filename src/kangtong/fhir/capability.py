"""The CapabilityStatement: what this server really implements.

Search parameters come from the registry the server searches with, operations from the routes
it serves (`operation_definitions`), security from the OAuth2 endpoints it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import kangtong
from kangtong.fhir.operation_definitions import (
    DeclaredOperation,
    ServedOperation,
    declared_operations,
)
from kangtong.fhir.search.definitions import UNSUPPORTED_PARAMS, SearchParamRegistry

INTERACTIONS = [
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
]


def capability_statement(
    registry: SearchParamRegistry,
    resource_types: list[str],
    base_url: str,
    *,
    operations: Sequence[ServedOperation],
    security: dict[str, Any],
) -> dict[str, Any]:
    """The statement for `resource_types`; `security` is `rest.security` as the caller has it."""
    declared = declared_operations(operations, resource_types)
    resources = [_resource_entry(registry, t, declared) for t in sorted(resource_types)]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "publisher": "kangtong (康通)",
        "kind": "instance",
        "software": {"name": "kangtong", "version": kangtong.__version__},
        "implementation": {
            "description": "kangtong regional health information platform",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "security": security,
                "resource": resources,
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                    {"code": "search-system"},
                ],
                "searchParam": [
                    {"name": "_id", "type": "token"},
                    {"name": "_lastUpdated", "type": "date"},
                ],
                "operation": [o.entry() for o in declared if o.resource_type is None],
            }
        ],
    }


def _resource_entry(
    registry: SearchParamRegistry, res_type: str, declared: list[DeclaredOperation]
) -> dict[str, Any]:
    params = registry.for_type(res_type)
    search_params = [
        {"name": code, "definition": p.url, "type": p.type}
        for code, p in sorted(params.items())
        if code not in UNSUPPORTED_PARAMS
        and p.type != "special"
        and (p.searchable or code in ("_id", "_lastUpdated"))
    ]
    includes = sorted(
        f"{res_type}:{code}" for code, p in params.items() if p.type == "reference" and p.searchable
    )
    entry: dict[str, Any] = {
        "type": res_type,
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalUpdate": True,
        "conditionalDelete": "single",
        "searchInclude": includes,
        "searchRevInclude": ["*"],
        "searchParam": search_params,
    }
    operations = [o.entry() for o in declared if o.resource_type == res_type]
    if operations:
        entry["operation"] = operations
    return entry
