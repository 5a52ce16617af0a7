"""The CapabilityStatement: what this server really implements, generated from the registry."""

from __future__ import annotations

from typing import Any

import kangtong
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

# The terminology operations (docs/terminology.md).
TERMINOLOGY_OPERATIONS = [
    {"name": name, "definition": f"http://hl7.org/fhir/OperationDefinition/{definition}"}
    for name, definition in (
        ("lookup", "CodeSystem-lookup"),
        ("validate-code", "ValueSet-validate-code"),
        ("expand", "ValueSet-expand"),
        ("translate", "ConceptMap-translate"),
    )
]


def capability_statement(
    registry: SearchParamRegistry, resource_types: list[str], base_url: str
) -> dict[str, Any]:
    resources = [_resource_entry(registry, t) for t in sorted(resource_types)]
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
                "operation": [
                    {
                        "name": "everything",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    },
                    {
                        "name": "validate",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                    },
                    *TERMINOLOGY_OPERATIONS,
                ],
            }
        ],
    }


def _resource_entry(registry: SearchParamRegistry, res_type: str) -> dict[str, Any]:
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
    if res_type in ("Patient", "Encounter"):
        entry["operation"] = [
            {
                "name": "everything",
                "definition": f"http://hl7.org/fhir/OperationDefinition/{res_type}-everything",
            }
        ]
    return entry
