"""Who the demo shows (issue 14): a family doctor with patients, one of those patients, and a
stranger — a patient the doctor has no care relationship with — chosen from the loaded data.

The doctor is the care manager of the most active family-doctor contracts (家庭医生签约,
EpisodeOfCare of the 家庭医生签约服务 programme); the resident is one of their contracted
patients; the stranger is the first Patient record the access policy would refuse the doctor.
Everything is looked up as the platform (not audited) and is the same for the same data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.policy import SecurityPolicy
from kangtong.security.roles import Role
from kangtong.synth import systems

FAMILY_DOCTOR = f"{systems.CARE_PROGRAMME}|family_doctor"
PAGE = 500


@dataclass(frozen=True)
class DemoCast:
    institution: str  # Organization id of the doctor's institution
    institution_name: str
    practitioner: str  # Practitioner id of the family doctor
    practitioner_name: str
    district: str | None
    contracted: tuple[str, ...]  # Patient ids under the doctor's active contracts
    stranger: str  # a Patient id the doctor may not read

    @property
    def resident(self) -> str:
        """The Patient id the demo resident logs in as: one of the doctor's patients."""
        return self.contracted[0]


def clinician_context(cast: DemoCast) -> AccessContext:
    """The caller the demo doctor is once logged in (see `security/oauth.py`)."""
    return AccessContext(
        principal=f"Practitioner/{cast.practitioner}",
        organization=cast.institution,
        district=cast.district,
        roles=frozenset({Role.CLINICIAN.value}),
        scopes=frozenset({"user/*.cruds"}),
    )


def choose_cast(platform: Platform, district: str | None) -> DemoCast | None:
    """The demo's people, or None when the data holds no active family-doctor contract."""
    contracts: dict[tuple[str, str], set[str]] = defaultdict(set)
    active_contracts = [("type", FAMILY_DOCTOR), ("status", "active")]
    for episode in platform_resources(platform, "EpisodeOfCare", active_contracts):
        org = _id(episode.get("managingOrganization"))
        doctor = _id(episode.get("careManager"))
        patient = _id(episode.get("patient"))
        if org and doctor and patient:
            contracts[(org, doctor)].add(patient)
    if not contracts:
        return None
    (org, doctor), patients = min(contracts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    cast = DemoCast(
        org,
        _name(platform, "Organization", org),
        doctor,
        _name(platform, "Practitioner", doctor),
        district,
        tuple(sorted(patients)),
        "",
    )
    stranger = _stranger(platform, cast)
    return None if stranger is None else DemoCast(**{**cast.__dict__, "stranger": stranger})


def _stranger(platform: Platform, cast: DemoCast) -> str | None:
    """The first Patient of another institution the policy refuses the doctor to read."""
    policy = platform.service.policy
    if not isinstance(policy, SecurityPolicy):
        raise TypeError("the demo needs the platform's security policy")
    doctor = clinician_context(cast)
    for patient in platform_resources(platform, "Patient", [("_sort", "_id")]):
        if _id(patient.get("managingOrganization")) == cast.institution:
            continue
        if not policy.decision(doctor, "read", "Patient", patient).allowed:
            return str(patient["id"])
    return None


def _name(platform: Platform, res_type: str, res_id: str) -> str:
    for resource in platform_resources(platform, res_type, [("_id", res_id)]):
        name = resource.get("name")
        if isinstance(name, list) and name:
            return str(name[0].get("text") or res_id)
        return str(name or res_id)
    return res_id


def platform_resources(
    platform: Platform, res_type: str, params: Sequence[tuple[str, str]]
) -> Iterator[dict[str, Any]]:
    """Every match of a search as the platform (not audited), page by page."""
    ctx = AccessContext.system("demo")
    offset = 0
    while True:
        paging = [("_count", str(PAGE)), ("_offset", str(offset)), ("_total", "none")]
        result = platform.service.search(ctx, res_type, [*params, *paging], audited=False)
        for entry in result.entries:
            if entry.mode == "match":
                yield parse_fhir_json(entry.content)
        if not result.has_more:
            return
        offset += len(result.entries)


def _id(reference: object) -> str | None:
    text = reference.get("reference") if isinstance(reference, dict) else None
    if isinstance(text, str) and "/" in text:
        return text.rsplit("/", 1)[1]
    return None
