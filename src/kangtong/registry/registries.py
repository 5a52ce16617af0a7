"""The registries as one value for the container, and the write rules they add to the core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kangtong.core.clock import Clock
from kangtong.fhir.rules import WriteRule
from kangtong.fhir.service import ResourceService
from kangtong.registry.antibiotic_rule import AntibioticGradeRule
from kangtong.registry.organizations import OrganizationRegistry
from kangtong.registry.practitioners import PractitionerRegistry
from kangtong.registry.privilege_rule import PrivilegeRule
from kangtong.registry.privileges import PrivilegeRegistry
from kangtong.registry.rules import InstitutionRule, PractitionerRule
from kangtong.registry.units import UnitRegistry


@dataclass(frozen=True)
class Registries:
    organizations: OrganizationRegistry
    units: UnitRegistry
    practitioners: PractitionerRegistry
    privileges: PrivilegeRegistry
    clock: Clock
    zone: ZoneInfo

    @classmethod
    def over(cls, service: ResourceService, zone: ZoneInfo) -> Registries:
        return cls(
            OrganizationRegistry(service),
            UnitRegistry(service),
            PractitionerRegistry(service),
            PrivilegeRegistry(service),
            service.clock,
            zone,
        )

    def today(self) -> dt.date:
        """The calendar day in the region (KANGTONG_TIMEZONE): privileges hold by local days."""
        return self.clock.now().astimezone(self.zone).date()


def registry_rules() -> Sequence[WriteRule]:
    """The rules every write of Organization, Practitioner, privilege Basic and
    MedicationRequest (antibiotic grades) must pass."""
    return (InstitutionRule(), PractitionerRule(), PrivilegeRule(), AntibioticGradeRule())
