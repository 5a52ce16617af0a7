"""机构注册: register, update, deactivate, show and search institutions."""

from __future__ import annotations

from dataclasses import replace

from kangtong.core.errors import Invalid
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.registry import resources, systems
from kangtong.registry.institutions import Institution, apply_institution, institution_of

NOT_A_DEPARTMENT = ("type:not", f"{systems.HL7_ORGANIZATION_TYPE}|dept")


class OrganizationRegistry:
    """Institutions, stored as Organization through the resource service (rules apply)."""

    def __init__(self, service: ResourceService) -> None:
        self._service = service

    def register(self, ctx: AccessContext, institution: Institution) -> Institution:
        """Register a new institution; a bad or already registered USCC is refused."""
        _check_codes(institution)
        resource = apply_institution({}, replace(institution, id=None, active=True))
        return institution_of(resources.create(self._service, ctx, resource))

    def update(self, ctx: AccessContext, institution: Institution) -> Institution:
        """Store `institution` as the next version of the registered one (history is kept)."""
        if institution.id is None:
            raise Invalid("An update names the institution's id")
        _check_codes(institution)
        found = resources.current(self._service, ctx, "Organization", institution.id)
        resource = apply_institution(found.resource, institution)
        return institution_of(resources.replace_current(self._service, ctx, found, resource))

    def deactivate(self, ctx: AccessContext, institution_id: str) -> Institution:
        """Mark an institution inactive (注销): a new version, never a delete."""
        found = resources.current(self._service, ctx, "Organization", institution_id)
        if found.resource.get("active") is False:
            return institution_of(found.resource)
        resource = {**found.resource, "active": False}
        return institution_of(resources.replace_current(self._service, ctx, found, resource))

    def show(self, ctx: AccessContext, institution_id: str) -> Institution:
        return institution_of(
            resources.current(self._service, ctx, "Organization", institution_id).resource
        )

    def search(
        self,
        ctx: AccessContext,
        *,
        name: str | None = None,
        uscc: str | None = None,
        institution_type: str | None = None,
        include_inactive: bool = False,
        count: int = 50,
    ) -> list[Institution]:
        """Institutions by name (hanzi or pinyin, as the name index allows), USCC or type."""
        params: list[tuple[str, str]] = [NOT_A_DEPARTMENT]
        if name:
            params.append(("name:contains", name))
        if uscc:
            params.append(("identifier", f"{systems.USCC}|{uscc.strip().upper()}"))
        if institution_type:
            params.append(("type", f"{systems.INSTITUTION_TYPE}|{institution_type}"))
        if not include_inactive:
            params.append(("active:not", "false"))
        found = resources.search(self._service, ctx, "Organization", params, count=count)
        return [institution_of(r) for r in found]


def _check_codes(institution: Institution) -> None:
    """Codes the FHIR rules cannot know are ours: refuse unknown ones before writing."""
    kind = institution.institution_type
    if kind is not None and kind not in systems.INSTITUTION_TYPES:
        raise Invalid(
            f"'{kind}' is not an institution type ({', '.join(systems.INSTITUTION_TYPES)})"
        )
    if institution.level is not None and institution.level not in systems.HOSPITAL_LEVELS:
        raise Invalid(
            f"'{institution.level}' is not a hospital level ({', '.join(systems.HOSPITAL_LEVELS)})"
        )
    code = institution.district_code
    if code is not None and not (len(code) == 6 and code.isdigit()):
        raise Invalid(f"district code '{code}' is not a 6-digit GB/T 2260 code")
