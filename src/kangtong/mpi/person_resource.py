"""主索引记录 as FHIR: the master person is a `Person` whose `link`s name its source Patients.

Survivorship (per field, from the engine's golden record over the person's source records,
most recently linked first): valid citizen IDs before invalid ones, then the most frequent, ties
to the most recent; hanzi names before pinyin, the most frequent, other names kept as `old`
names; sex, birth date and phone the most frequent; an address with a room number before a
coarser one. Each link carries the match weight and the evidence (kangtong extensions below).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kangtong.core.canonical import canonical
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.identifier_flags import CITIZEN_ID
from kangtong.mpi.normalise.record import IdentityRecord, PersonRecord

_SD = canonical("StructureDefinition")
LINK_SCORE = f"{_SD}/mpi-link-score"  # valueDecimal: match weight in bits (log2 odds)
LINK_EVIDENCE = f"{_SD}/mpi-link-evidence"  # valueString: comparison=level; …
LINK_METHOD = f"{_SD}/mpi-link-method"  # valueCode: auto | new | manual | review | merge
RECORD_STATUS = f"{_SD}/health-record-status"  # complex: status, reason, date (档案状态)
HOME_DISTRICT = f"{_SD}/health-record-district"  # valueCode: GB/T 2260 code (属地)
MERGED_INTO = f"{_SD}/mpi-merged-into"  # valueReference: the surviving Person
_GENDER = {"1": "male", "2": "female"}
VERIFIED_METHODS = frozenset({"manual", "review", "merge"})


@dataclass(frozen=True)
class Member:
    """One source record of a person, as the MPI filed it."""

    patient_id: str
    identity: IdentityRecord
    identifiers: tuple[tuple[str, str], ...]
    record: PersonRecord
    score: float | None
    evidence: str
    method: str


@dataclass(frozen=True)
class RecordStatus:
    """档案状态: unopened (known from registrations only), open (建档), closed (注销)."""

    status: str = "unopened"
    reason: str | None = None  # death | emigration (closed only)
    date: str | None = None
    district: str | None = None  # 属地 (GB/T 2260)


def person_resource(
    person_id: str,
    golden: PersonRecord | None,
    members: Sequence[Member],
    status: RecordStatus,
    merged_into: str | None = None,
) -> JsonObject:
    """The Person resource of a master person (no golden record: no source records left)."""
    person: JsonObject = {"resourceType": "Person", "id": person_id}
    person["extension"] = _status_extensions(status, merged_into)
    identifiers = _identifiers(golden, members)
    if identifiers:
        person["identifier"] = identifiers
    if golden is not None:
        person.update(_demographics(golden, members))
    person["active"] = merged_into is None and bool(members)
    links = [_link(m) for m in members]
    if merged_into is not None:
        links.append({"target": {"reference": f"Person/{merged_into}"}, "assurance": "level4"})
    if links:
        person["link"] = links
    return person


def record_status_of(person: JsonObject | None) -> RecordStatus:
    """The lifecycle state a stored Person carries (unopened when it has none)."""
    values: dict[str, str] = {}
    for extension in (person or {}).get("extension") or []:
        if extension.get("url") == RECORD_STATUS:
            for part in extension.get("extension") or []:
                values[part.get("url", "")] = part.get("valueCode") or part.get("valueDate")
        elif extension.get("url") == HOME_DISTRICT:
            values["district"] = extension.get("valueCode")
    return RecordStatus(
        values.get("status", "unopened"),
        values.get("reason"),
        values.get("date"),
        values.get("district"),
    )


def _status_extensions(status: RecordStatus, merged_into: str | None) -> list[JsonObject]:
    parts: list[JsonObject] = [{"url": "status", "valueCode": status.status}]
    if status.reason:
        parts.append({"url": "reason", "valueCode": status.reason})
    if status.date:
        parts.append({"url": "date", "valueDate": status.date})
    extensions: list[JsonObject] = [{"url": RECORD_STATUS, "extension": parts}]
    if status.district:
        extensions.append({"url": HOME_DISTRICT, "valueCode": status.district})
    if merged_into:
        extensions.append(
            {"url": MERGED_INTO, "valueReference": {"reference": f"Person/{merged_into}"}}
        )
    return extensions


def _identifiers(golden: PersonRecord | None, members: Sequence[Member]) -> list[JsonObject]:
    """The golden citizen ID first, then every source identifier (MRNs …), once each."""
    found: list[JsonObject] = []
    if golden is not None and golden.citizen_id is not None and golden.citizen_id.valid:
        found.append({"use": "official", "system": CITIZEN_ID, "value": golden.citizen_id.text})
    seen = {(CITIZEN_ID, golden.valid_id)} if golden is not None else set()
    for member in members:
        for system, value in member.identifiers:
            if (system, value) not in seen and system != CITIZEN_ID:
                seen.add((system, value))
                found.append({"use": "secondary", "system": system, "value": value})
    return found


def _demographics(golden: PersonRecord, members: Sequence[Member]) -> JsonObject:
    fields: JsonObject = {}
    names: list[JsonObject] = []
    if golden.name is not None:
        names.append({"use": "official", "text": golden.name.text})
    texts = {golden.name.text} if golden.name is not None else set()
    for alias in golden.aliases:  # other names as registered (張偉 simplifies to 张伟: once)
        if alias.text not in texts:
            texts.add(alias.text)
            names.append({"use": "old", "text": alias.text})
    if names:
        fields["name"] = names
    if golden.phone:
        fields["telecom"] = [{"system": "phone", "value": golden.phone}]
    if golden.sex in _GENDER:
        fields["gender"] = _GENDER[golden.sex or ""]
    if golden.birth_date is not None:
        fields["birthDate"] = golden.birth_date.isoformat()
    address = next(
        (
            m.identity.address
            for m in members
            if golden.address and m.record.address == golden.address
        ),
        None,
    )
    if address:
        fields["address"] = [{"use": "home", "text": address}]
    return fields


def _link(member: Member) -> JsonObject:
    extensions: list[dict[str, Any]] = []
    if member.score is not None:
        extensions.append({"url": LINK_SCORE, "valueDecimal": round(member.score, 2)})
    if member.evidence:
        extensions.append({"url": LINK_EVIDENCE, "valueString": member.evidence})
    extensions.append({"url": LINK_METHOD, "valueCode": member.method})
    return {
        "extension": extensions,
        "target": {"reference": f"Patient/{member.patient_id}"},
        "assurance": "level4" if member.method in VERIFIED_METHODS else "level3",
    }
