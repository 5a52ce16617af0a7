"""医务人员注册: practitioners, and their roles at institutions (PractitionerRole).

One person is one Practitioner (citizen ID and licence numbers are unique, see `rules`); each
institution they work at is one PractitionerRole: organization, department (extension
practitioner-role-department → the department Organization), role code, specialty (执业范围)
and period. So a doctor who also sits a weekly clinic elsewhere (多点执业) has two roles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kangtong.core.errors import Invalid
from kangtong.core.ids.gb11643 import citizen_id_check
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.registry import resources, systems


@dataclass(frozen=True)
class Licence:
    profession: str  # doctor | nurse
    number: str


@dataclass(frozen=True)
class HealthWorker:
    """A practitioner; sex and birth date come from the citizen ID (GB 11643 §5) when unset."""

    name: str
    citizen_id: str
    licences: tuple[Licence, ...] = ()
    phone: str | None = None
    active: bool = True
    id: str | None = None


@dataclass(frozen=True)
class Role:
    """A practitioner's post at one institution."""

    practitioner_id: str
    organization_id: str
    role: str = "doctor"
    department_id: str | None = None
    specialty: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    active: bool = True
    id: str | None = None

    def holds_on(self, day: dt.date) -> bool:
        started = self.start is None or self.start <= day
        return self.active and started and (self.end is None or day <= self.end)


def practitioner_resource(worker: HealthWorker) -> JsonObject:
    checked = citizen_id_check(worker.citizen_id)
    if not checked.valid:
        raise Invalid(f"居民身份证号 is invalid: {checked.reason}")
    identifiers: list[JsonObject] = []
    for licence in worker.licences:
        system = systems.LICENCE_SYSTEMS.get(licence.profession)
        if system is None:
            raise Invalid(f"'{licence.profession}' has no licence system (doctor, nurse)")
        identifiers.append({"use": "official", "system": system, "value": licence.number})
    identifiers.append(
        {"use": "secondary", "system": systems.CITIZEN_ID, "value": worker.citizen_id}
    )
    resource: JsonObject = {
        "resourceType": "Practitioner",
        "active": worker.active,
        "identifier": identifiers,
        "name": [_human_name(worker.name)],
    }
    if worker.phone:
        resource["telecom"] = [{"system": "phone", "value": worker.phone, "use": "work"}]
    if checked.sex is not None and checked.birth_date is not None:
        resource["gender"] = checked.sex
        resource["birthDate"] = checked.birth_date.isoformat()
    return resource


# Two-character surnames (复姓) still met today; every other surname is one character.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
    }
)


def _human_name(name: str) -> JsonObject:
    """A Chinese name split into family and given name (a non-hanzi name is kept as text only)."""
    split = 2 if name[:2] in COMPOUND_SURNAMES else 1
    if not all("\u4e00" <= c <= "\u9fff" for c in name) or len(name) <= split:
        return {"use": "official", "text": name}
    return {"use": "official", "text": name, "family": name[:split], "given": [name[split:]]}


def worker_of(resource: JsonObject) -> HealthWorker:
    values = {i.get("system"): i.get("value") for i in resource.get("identifier") or []}
    licences = tuple(
        Licence(profession, str(values[system]))
        for profession, system in systems.LICENCE_SYSTEMS.items()
        if values.get(system)
    )
    name = (resource.get("name") or [{}])[0]
    text = name.get("text") or (name.get("family", "") + "".join(name.get("given") or []))
    phone = next(
        (t.get("value") for t in resource.get("telecom") or [] if t.get("system") == "phone"), None
    )
    return HealthWorker(
        text,
        str(values.get(systems.CITIZEN_ID, "")),
        licences,
        phone,
        resource.get("active") is not False,
        resource.get("id"),
    )


def role_resource(role: Role) -> JsonObject:
    display = systems.PRACTITIONER_ROLES.get(role.role)
    if display is None:
        raise Invalid(f"'{role.role}' is not a role ({', '.join(systems.PRACTITIONER_ROLES)})")
    resource: JsonObject = {
        "resourceType": "PractitionerRole",
        "active": role.active,
        "practitioner": {"reference": f"Practitioner/{role.practitioner_id}"},
        "organization": {"reference": f"Organization/{role.organization_id}"},
        "code": [
            {
                "coding": [
                    {"system": systems.HL7_PRACTITIONER_ROLE, "code": role.role, "display": display}
                ]
            }
        ],
    }
    if role.department_id:
        resource["extension"] = [
            {
                "url": systems.ROLE_DEPARTMENT_EXTENSION,
                "valueReference": {"reference": f"Organization/{role.department_id}"},
            }
        ]
    if role.specialty:
        coding = {
            "system": systems.PRACTICE_SCOPE,
            "code": role.specialty,
            "display": role.specialty,
        }
        resource["specialty"] = [{"coding": [coding], "text": role.specialty}]
    period = {
        k: v.isoformat() for k, v in (("start", role.start), ("end", role.end)) if v is not None
    }
    if period:
        resource["period"] = period
    return resource


def role_of(resource: JsonObject) -> Role:
    def ref(value: object) -> str | None:
        reference = value.get("reference") if isinstance(value, dict) else None
        return str(reference).rpartition("/")[2] if reference else None

    department = next(
        (
            ref(e.get("valueReference"))
            for e in resource.get("extension") or []
            if e.get("url") == systems.ROLE_DEPARTMENT_EXTENSION
        ),
        None,
    )
    codes = [c.get("code") for t in resource.get("code") or [] for c in t.get("coding") or []]
    specialty = [
        s.get("text") or (s.get("coding") or [{}])[0].get("code")
        for s in resource.get("specialty") or []
    ]
    period = resource.get("period") or {}
    return Role(
        ref(resource.get("practitioner")) or "",
        ref(resource.get("organization")) or "",
        str(codes[0]) if codes else "",
        department,
        specialty[0] if specialty else None,
        _day(period.get("start")),
        _day(period.get("end")),
        resource.get("active") is not False,
        resource.get("id"),
    )


def _day(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)[:10]) if value else None


class PractitionerRegistry:
    """Practitioners and their roles, through the resource service (rules apply)."""

    def __init__(self, service: ResourceService) -> None:
        self._service = service

    def register(self, ctx: AccessContext, worker: HealthWorker) -> HealthWorker:
        """Register a practitioner; an invalid or already registered ID or licence is refused."""
        return worker_of(resources.create(self._service, ctx, practitioner_resource(worker)))

    def show(self, ctx: AccessContext, practitioner_id: str) -> HealthWorker:
        return worker_of(
            resources.current(self._service, ctx, "Practitioner", practitioner_id).resource
        )

    def add_role(self, ctx: AccessContext, role: Role) -> Role:
        """A post at an institution; the practitioner and the (active) institution must exist."""
        self.show(ctx, role.practitioner_id)
        institution = resources.current(self._service, ctx, "Organization", role.organization_id)
        if institution.resource.get("active") is False:
            raise Invalid(f"Organization/{role.organization_id} is deactivated")
        if role.start and role.end and role.end < role.start:
            raise Invalid(f"the role ends ({role.end}) before it starts ({role.start})")
        return role_of(resources.create(self._service, ctx, role_resource(role)))

    def roles(self, ctx: AccessContext, practitioner_id: str) -> list[Role]:
        params = [("practitioner", f"Practitioner/{practitioner_id}")]
        return [
            role_of(r) for r in resources.search(self._service, ctx, "PractitionerRole", params)
        ]

    def search(
        self,
        ctx: AccessContext,
        *,
        name: str | None = None,
        licence: str | None = None,
        count: int = 50,
    ) -> list[HealthWorker]:
        """By name (hanzi or pinyin, as the name index allows) or by licence number (either kind)."""
        params: list[tuple[str, str]] = []
        if name:
            params.append(("name:contains", name))
        if licence:
            number = licence.strip()
            params.append(
                ("identifier", ",".join(f"{s}|{number}" for s in systems.LICENCE_SYSTEMS.values()))
            )
        if not params:
            raise Invalid("Search practitioners by name or licence number")
        found = resources.search(self._service, ctx, "Practitioner", params, count=count)
        return [worker_of(r) for r in found]
