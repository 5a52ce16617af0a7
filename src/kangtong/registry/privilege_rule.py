"""The write rule for privilege grants (`Basic` coded in the practitioner-privilege system).

The security layer trusts these grants to decide who may prescribe, operate or sign, so a grant
must be well formed however it arrives: a known privilege, a Practitioner subject, a granting
Organization, a validity period with a start, and a level exactly where the privilege has levels.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from kangtong.core.errors import Issue
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.rules import RuleLookup
from kangtong.registry import grants, systems

# WS/T 500-2016 has 53 parts; part n is document type C00nn.
_DOCUMENT_TYPE = re.compile(r"C00(0[1-9]|[1-4][0-9]|5[0-3])")


def _target(resource: JsonObject, element: str) -> tuple[str, str] | None:
    """(type, id) of a relative or absolute reference in `element`, None if there is none."""
    reference = (resource.get(element) or {}).get("reference")
    if not isinstance(reference, str) or reference.count("/") < 1:
        return None
    parts = reference.split("/")
    return parts[-2], parts[-1]


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class PrivilegeRule:
    """处方权, 手术级别, 抗菌药物分级 and document rights: sound grants only."""

    resource_types = frozenset({"Basic"})

    def check(self, resource: JsonObject) -> Sequence[Issue]:
        coding = grants.privilege_coding(resource)
        if coding is None:
            return []  # another kind of Basic
        code = coding.get("code")
        if code not in systems.PRIVILEGES:
            return [
                _error(
                    f"'{code}' is not a privilege ({', '.join(systems.PRIVILEGES)})", "Basic.code"
                )
            ]
        issues = self._parties(resource) + self._period(resource)
        return issues + self._qualifiers(resource, str(code))

    def _parties(self, resource: JsonObject) -> list[Issue]:
        issues = []
        subject, author = _target(resource, "subject"), _target(resource, "author")
        if subject is None or subject[0] != "Practitioner":
            issues.append(_error("a privilege is granted to a Practitioner", "Basic.subject"))
        if author is None or author[0] != "Organization":
            issues.append(
                _error("a privilege is granted by an institution (Organization)", "Basic.author")
            )
        return issues

    def _period(self, resource: JsonObject) -> list[Issue]:
        period = grants.extension_value(resource, systems.PRIVILEGE_PERIOD_EXTENSION, "valuePeriod")
        where = "Basic.extension('privilege-period')"
        if period is None or _date(period.get("start")) is None:
            return [_error("a privilege needs a validity period with a start date", where)]
        end = _date(period.get("end"))
        if period.get("end") and end is None:
            return [_error("the validity period's end is not a date", where)]
        start = _date(period["start"])
        if end is not None and start is not None and end < start:
            return [_error(f"the validity period ends ({end}) before it starts ({start})", where)]
        return []

    def _qualifiers(self, resource: JsonObject, code: str) -> list[Issue]:
        level = grants.extension_value(resource, systems.PRIVILEGE_LEVEL_EXTENSION, "valueCoding")
        document = grants.extension_value(
            resource, systems.PRIVILEGE_DOCUMENT_EXTENSION, "valueCoding"
        )
        where = "Basic.extension('privilege-level')"
        issues = []
        if code in grants.LEVELS:
            allowed = grants.LEVELS[code]
            if (
                level is None
                or level.get("system") != grants.LEVEL_SYSTEMS[code]
                or level.get("code") not in allowed
            ):
                issues.append(
                    _error(f"privilege '{code}' needs a level: one of {', '.join(allowed)}", where)
                )
        elif level is not None:
            issues.append(_error(f"privilege '{code}' has no levels", where))
        if document is not None:
            where = "Basic.extension('privilege-document-type')"
            if code not in grants.DOCUMENT_PRIVILEGES:
                issues.append(_error(f"privilege '{code}' is not about documents", where))
            elif not _DOCUMENT_TYPE.fullmatch(str(document.get("code"))):
                issues.append(
                    _error("the document type must be a WS/T 500 type C0001 … C0053", where)
                )
        return issues

    def claims(self, resource: JsonObject) -> Sequence[str]:
        return []

    def check_stored(
        self, res_id: str, resource: JsonObject, lookup: RuleLookup
    ) -> Sequence[Issue]:
        if grants.privilege_coding(resource) is None:
            return []
        issues = []
        for element, res_type in (("subject", "Practitioner"), ("author", "Organization")):
            target = _target(resource, element)
            if target and not lookup.search(res_type, [("_id", target[1])], at_most=1):
                issues.append(
                    _error(f"{res_type}/{target[1]} is not registered", f"Basic.{element}")
                )
        return issues


def _error(message: str, where: str) -> Issue:
    return Issue("error", "business-rule", message, where)
