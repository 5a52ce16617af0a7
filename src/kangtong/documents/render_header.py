"""The CDA header (文档头) read for display: document, patient, custodian, authors, signers and
the encounter — every value as the document states it, nothing derived or looked up.
"""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.documents.cda_xml import Element, attr, child, children, tag, text_of
from kangtong.documents.render_values import code_text, format_ts, time_text

# GB/T 2261.1 sex codes (shown when the document gives a code without a display name).
SEX_NAMES = {"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"}
# HL7 Confidentiality codes (2.16.840.1.113883.5.25).
CONFIDENTIALITY_NAMES = {
    "N": "正常",
    "R": "受限",
    "V": "极受限",
    "L": "低",
    "M": "中等",
    "U": "不受限",
}
# Identifier roots under 2.16.156.10011.1 (WS/T 500 OID allocation) that get a readable label.
ID_LABELS = {
    "2.16.156.10011.1.3": "居民身份证号",
    "2.16.156.10011.1.11": "门诊号",
    "2.16.156.10011.1.12": "住院号",
    "2.16.156.10011.1.19": "健康卡号",
}


@dataclass(frozen=True, slots=True)
class Identifier:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Party:
    """A person or organisation named in the header (author, signer, custodian)."""

    name: str
    organization: str
    time: str
    identifiers: tuple[Identifier, ...]


@dataclass(frozen=True, slots=True)
class Patient:
    name: str
    sex: str
    birth: str
    age: str
    identifiers: tuple[Identifier, ...]
    address: str
    telecom: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Encounter:
    period: str
    location: str
    identifiers: tuple[Identifier, ...]


@dataclass(frozen=True, slots=True)
class Header:
    title: str
    type_code: str
    document_id: str
    effective_time: str
    confidentiality: str
    set_and_version: str
    patient: Patient
    custodian: Party | None
    authors: tuple[Party, ...]
    legal_authenticator: Party | None
    authenticators: tuple[Party, ...]
    encounter: Encounter | None


def read_header(document: Element) -> Header:
    """Everything the header block of the rendering shows."""
    code = child(document, "code")
    return Header(
        title=text_of(child(document, "title")) or attr(code, "displayName") or "临床文档",
        type_code=code_text(code),
        document_id=_identifier(child(document, "id")).value,
        effective_time=time_text(child(document, "effectiveTime")),
        confidentiality=_confidentiality(child(document, "confidentialityCode")),
        set_and_version=_set_and_version(document),
        patient=_patient(child(document, "recordTarget", "patientRole")),
        custodian=_custodian(document),
        authors=tuple(_party(author, "assignedAuthor") for author in children(document, "author")),
        legal_authenticator=_signer(child(document, "legalAuthenticator")),
        authenticators=tuple(
            filter(None, (_signer(s) for s in children(document, "authenticator")))
        ),
        encounter=_encounter(child(document, "componentOf", "encompassingEncounter")),
    )


def _identifier(node: Element | None) -> Identifier:
    root, extension = attr(node, "root"), attr(node, "extension")
    label = ID_LABELS.get(root, root)
    return Identifier(label, extension or ("" if root in ID_LABELS else root))


def _identifiers(node: Element | None) -> tuple[Identifier, ...]:
    return tuple(i for i in (_identifier(n) for n in children(node, "id")) if i.value or i.label)


def _confidentiality(node: Element | None) -> str:
    display = attr(node, "displayName")
    return display or CONFIDENTIALITY_NAMES.get(attr(node, "code"), attr(node, "code"))


def _set_and_version(document: Element) -> str:
    set_id = _identifier(child(document, "setId")).value
    version = attr(child(document, "versionNumber"), "value")
    if not version:
        return set_id
    return f"{set_id} 第 {version} 版".strip()


def _patient(role: Element | None) -> Patient:
    person = child(role, "patient")
    sex = child(person, "administrativeGenderCode")
    age = child(person, "age")  # WS/T 500 puts 年龄 on the patient as `age value unit`
    return Patient(
        name=text_of(child(person, "name")),
        sex=attr(sex, "displayName") or SEX_NAMES.get(attr(sex, "code"), attr(sex, "code")),
        birth=format_ts(attr(child(person, "birthTime"), "value")),
        age=f"{attr(age, 'value')}{attr(age, 'unit')}" if attr(age, "value") else "",
        identifiers=_identifiers(role),
        address=text_of(child(role, "addr")),
        telecom=tuple(attr(t, "value") for t in children(role, "telecom") if attr(t, "value")),
    )


def _party(node: Element, role_name: str) -> Party:
    role = child(node, role_name)
    person = child(role, "assignedPerson")
    organization = child(role, "representedOrganization")
    return Party(
        name=text_of(child(person, "name")),
        organization=text_of(child(organization, "name")),
        time=time_text(child(node, "time")),
        identifiers=_identifiers(role),
    )


def _signer(node: Element | None) -> Party | None:
    return None if node is None else _party(node, "assignedEntity")


def _custodian(document: Element) -> Party | None:
    organization = child(
        document, "custodian", "assignedCustodian", "representedCustodianOrganization"
    )
    if organization is None:
        return None
    return Party(text_of(child(organization, "name")), "", "", _identifiers(organization))


def _encounter(node: Element | None) -> Encounter | None:
    if node is None:
        return None
    location = child(node, "location")
    # WS/T 500 nests 床位 → 病房 → 病区 → 科室 → 机构 (wholeOrganization inside asOrganizationPartOf):
    # shown outermost first.
    names: list[str] = (
        [text_of(n) for n in location.iter(tag("name"))] if location is not None else []
    )
    return Encounter(
        period=time_text(child(node, "effectiveTime")),
        location=" / ".join(reversed([n for n in names if n])),
        identifiers=_identifiers(node),
    )
