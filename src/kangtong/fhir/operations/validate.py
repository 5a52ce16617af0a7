"""`[type]/$validate` and `[type]/[id]/$validate`: check a resource without storing it."""

from __future__ import annotations

from typing import Any

from kangtong.core.errors import Invalid, Issue
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.outcome import outcome_of
from kangtong.fhir.service import ResourceService


def resource_from_parameters(body: JsonObject) -> JsonObject:
    """$validate accepts the resource itself or Parameters with a `resource` parameter."""
    if body.get("resourceType") != "Parameters":
        return body
    for parameter in body.get("parameter", []):
        if parameter.get("name") == "resource" and isinstance(parameter.get("resource"), dict):
            return dict(parameter["resource"])
    raise Invalid("Parameters for $validate need a 'resource' parameter")


def validate(service: ResourceService, res_type: str, body: JsonObject) -> dict[str, Any]:
    resource = resource_from_parameters(body)
    if resource.get("resourceType") != res_type:
        raise Invalid(f"$validate on {res_type} received a {resource.get('resourceType')}")
    issues: list[Issue] = list(service.check(resource)) if service.check else []
    if not issues:
        issues = [Issue("information", "informational", "The resource is valid FHIR R4")]
    return outcome_of(issues)
