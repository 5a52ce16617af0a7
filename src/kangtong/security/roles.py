"""Roles (角色) and what each may do, as data: the table `ROLE_PERMISSIONS` is the policy.

Duties are separated (三员分立 of GB/T 22239): the platform administrator manages directories
and accounts but reads no clinical data; the auditor reads the audit trail and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from kangtong.security.sensitivity import Sensitivity


class Role(StrEnum):
    SYSTEM = "system"  # the platform's own jobs (CLI, loaders): AccessContext.system()
    PLATFORM_ADMIN = "platform-admin"  # 平台管理员
    INSTITUTION_ADMIN = "institution-admin"  # 机构管理员
    INSTITUTION_SYSTEM = "institution-system"  # 机构接入系统 (HIS, 前置机)
    CLINICIAN = "clinician"  # 医生
    NURSE = "nurse"  # 护士
    PHARMACIST = "pharmacist"  # 药师
    PUBLIC_HEALTH = "public-health-officer"  # 公共卫生人员
    MANAGER = "manager"  # 管理人员 (aggregate statistics only)
    RESIDENT = "resident"  # 居民
    AUDITOR = "auditor"  # 审计员


# How far a role reaches: everything, its district, its organisation, or the resident's own record.
Reach = Literal["platform", "district", "organization", "self"]

DIRECTORY = frozenset(
    {
        "Organization",
        "Location",
        "Practitioner",
        "PractitionerRole",
        "HealthcareService",
        "Endpoint",
    }
)
CONFORMANCE = frozenset(
    {"CodeSystem", "ValueSet", "ConceptMap", "NamingSystem", "Questionnaire",
     "StructureDefinition", "SearchParameter", "CapabilityStatement"}
)  # fmt: skip
MEDICATION = frozenset(
    {"Medication", "MedicationRequest", "MedicationDispense", "MedicationStatement",
     "MedicationAdministration"}
)  # fmt: skip
CLINICAL = frozenset(
    {"Patient", "RelatedPerson", "Encounter", "EpisodeOfCare", "Observation", "Condition",
     "Procedure", "AllergyIntolerance", "DiagnosticReport", "DocumentReference", "Binary",
     "Composition", "CarePlan", "CareTeam", "Immunization", "ImmunizationRecommendation",
     "ServiceRequest", "Specimen", "ImagingStudy", "FamilyMemberHistory", "Goal",
     "RiskAssessment", "Flag", "QuestionnaireResponse", "Consent", "Provenance",
     "Communication", "Task", "Appointment", "ClinicalImpression", "Coverage", "Claim",
     "Device", "DeviceRequest"}
)  # fmt: skip
CARE_READ = CLINICAL | MEDICATION | DIRECTORY | CONFORMANCE
ALL_SENSITIVE = frozenset(Sensitivity)


@dataclass(frozen=True)
class RolePermission:
    role: Role
    reach: Reach
    read: frozenset[str]  # resource types it may read/search
    write: frozenset[str]  # resource types it may create/update/delete
    sensitive: frozenset[Sensitivity] = frozenset()  # sensitive categories it is cleared for
    cross_org_read: bool = False  # other institutions' records of patients in its care
    aggregate: bool = False  # may run aggregate statistics
    break_glass: bool = False  # may open an emergency (break-glass) grant

    def may(self, action_kind: str, resource_type: str | None) -> bool:
        """Whether the role may read or write `resource_type` (None: some type, e.g. `_type`-less search)."""
        types = self.write if action_kind == "write" else self.read
        if resource_type is None:
            return bool(types)
        return resource_type in types


ROLE_PERMISSIONS: Mapping[Role, RolePermission] = {
    p.role: p
    for p in (
        RolePermission(Role.PLATFORM_ADMIN, "platform", DIRECTORY | CONFORMANCE,
                       DIRECTORY | CONFORMANCE),
        RolePermission(Role.INSTITUTION_ADMIN, "organization", DIRECTORY | CONFORMANCE, DIRECTORY),
        RolePermission(Role.INSTITUTION_SYSTEM, "organization", CARE_READ,
                       CLINICAL | MEDICATION | DIRECTORY, ALL_SENSITIVE, cross_org_read=True),
        RolePermission(Role.CLINICIAN, "organization", CARE_READ, CLINICAL | MEDICATION,
                       ALL_SENSITIVE, cross_org_read=True, break_glass=True),
        RolePermission(Role.NURSE, "organization", CARE_READ,
                       frozenset({"Observation", "Procedure", "CarePlan", "Task", "Communication",
                                  "MedicationAdministration", "Immunization",
                                  "QuestionnaireResponse", "Encounter"}),
                       frozenset({Sensitivity.INFECTIOUS, Sensitivity.REPRODUCTIVE}),
                       cross_org_read=True, break_glass=True),
        RolePermission(Role.PHARMACIST, "organization",
                       MEDICATION | DIRECTORY | CONFORMANCE
                       | {"Patient", "AllergyIntolerance", "Condition", "Observation"},
                       frozenset({"MedicationDispense", "Communication"}),
                       frozenset({Sensitivity.INFECTIOUS, Sensitivity.HIV}), cross_org_read=True),
        RolePermission(Role.PUBLIC_HEALTH, "district", CARE_READ,
                       frozenset({"Observation", "Condition", "CarePlan", "Task", "Communication",
                                  "Immunization", "QuestionnaireResponse", "Flag"}),
                       ALL_SENSITIVE, aggregate=True),
        RolePermission(Role.MANAGER, "district", DIRECTORY | CONFORMANCE, frozenset(),
                       aggregate=True),
        RolePermission(Role.RESIDENT, "self", CARE_READ,
                       frozenset({"Observation", "QuestionnaireResponse", "Appointment",
                                  "Consent", "Communication"}),
                       ALL_SENSITIVE),
        RolePermission(Role.AUDITOR, "platform", frozenset({"AuditEvent"}), frozenset()),
    )
}  # fmt: skip


def role_permissions(roles: frozenset[str]) -> list[RolePermission]:
    """The permissions of the known roles among `roles` (unknown role codes grant nothing)."""
    return [ROLE_PERMISSIONS[Role(r)] for r in sorted(roles) if r in ROLE_PERMISSIONS]


def known_role(code: str) -> bool:
    return code in {r.value for r in Role}
