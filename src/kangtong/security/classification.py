"""Data classification and grading (数据分类分级): resource type and category → grade 1–4 → who
may read, export or publish data of that grade.

Grades: 1 公开 (public reference data), 2 内部 (directory data about staff), 3 敏感 (personal
health data), 4 高敏感 (personal health data in a sensitive category). A type missing from the
table is graded 3: unknown data is treated as personal health data, never as public.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from kangtong.security.roles import CONFORMANCE, Role
from kangtong.security.sensitivity import Sensitivity

Use = Literal["read", "export", "publish"]


class Grade(IntEnum):
    PUBLIC = 1  # 公开
    INTERNAL = 2  # 内部
    SENSITIVE = 3  # 敏感
    HIGHLY_SENSITIVE = 4  # 高敏感


TYPE_GRADES: Mapping[str, Grade] = {
    **dict.fromkeys(CONFORMANCE, Grade.PUBLIC),
    "Organization": Grade.PUBLIC,
    "Location": Grade.PUBLIC,
    "HealthcareService": Grade.PUBLIC,
    "Endpoint": Grade.INTERNAL,
    "Practitioner": Grade.INTERNAL,
    "PractitionerRole": Grade.INTERNAL,
    "Schedule": Grade.INTERNAL,
    "Slot": Grade.INTERNAL,
    "Medication": Grade.PUBLIC,
    "AuditEvent": Grade.SENSITIVE,
}

_STAFF = frozenset(Role) - {Role.RESIDENT}
_CARE = frozenset(
    {Role.CLINICIAN, Role.NURSE, Role.PHARMACIST, Role.PUBLIC_HEALTH, Role.INSTITUTION_SYSTEM}
)


@dataclass(frozen=True)
class GradeRule:
    read: frozenset[Role]
    export: frozenset[Role]
    publish: frozenset[Role]  # individual-level publication; aggregates are not graded here

    def allows(self, use: Use, role: Role) -> bool:
        return role == Role.SYSTEM or role in getattr(self, use)


GRADE_RULES: Mapping[Grade, GradeRule] = {
    Grade.PUBLIC: GradeRule(
        read=frozenset(Role),
        export=_STAFF,
        publish=frozenset({Role.PLATFORM_ADMIN, Role.INSTITUTION_ADMIN, Role.MANAGER}),
    ),
    Grade.INTERNAL: GradeRule(
        read=frozenset(Role),
        export=frozenset({Role.PLATFORM_ADMIN, Role.INSTITUTION_ADMIN}),
        publish=frozenset(),
    ),
    Grade.SENSITIVE: GradeRule(
        read=_CARE | {Role.RESIDENT, Role.AUDITOR},
        export=frozenset({Role.CLINICIAN, Role.PUBLIC_HEALTH, Role.INSTITUTION_SYSTEM}),
        publish=frozenset(),
    ),
    Grade.HIGHLY_SENSITIVE: GradeRule(
        read=_CARE | {Role.RESIDENT},
        export=frozenset({Role.PUBLIC_HEALTH}),  # statutory reporting upwards (传染病报告)
        publish=frozenset(),
    ),
}


def grade_of(resource_type: str | None, sensitive: frozenset[Sensitivity]) -> Grade:
    """The grade of a resource: sensitive categories raise it to 4; unknown types are 3."""
    if sensitive:
        return Grade.HIGHLY_SENSITIVE
    if resource_type is None:
        return Grade.SENSITIVE
    return TYPE_GRADES.get(resource_type, Grade.SENSITIVE)


def may_use(role: Role, use: Use, grade: Grade) -> bool:
    return GRADE_RULES[grade].allows(use, role)
