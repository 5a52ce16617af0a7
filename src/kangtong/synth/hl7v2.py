"""HL7 v2.5 messages for the same events: ADT^A01 / A04 / A08 and ORU^R01.

Each message's segments end with a carriage return (HL7 segment terminator); in files, messages
are separated by a newline. Text is UTF-8 (MSH-18 `UNICODE UTF-8`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from kangtong.synth import systems
from kangtong.synth.model import Facility, LabReport, PersonCare, SourceRecord, Visit
from kangtong.synth.tables.demography import ETHNICITIES, MARITAL_DISPLAY

RECEIVER = "KANGTONG|REGION"
PATIENT_CLASS = {"inpatient": "I", "emergency": "E"}
ETHNICITY_DISPLAY = {code: display for code, display, _ in ETHNICITIES}
_ESCAPES = str.maketrans({"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"})


def escape(value: str) -> str:
    return value.translate(_ESCAPES)


def stamp(moment: dt.datetime | dt.date) -> str:
    text = moment.isoformat()  # slicing is several times faster than strftime
    if isinstance(moment, dt.datetime):
        return (
            text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19] + "+0800"
        )
    return text[0:4] + text[5:7] + text[8:10]


def _oid(system: str) -> str:
    return system.removeprefix("urn:oid:")


def msh(facility: Facility, moment: dt.datetime, message_type: str, control_id: str) -> str:
    sender = f"HIS^^^|{facility.key}^{_oid(systems.mrn_system(facility.number))}^ISO"
    return (
        f"MSH|^~\\&|{sender}|{RECEIVER}|{stamp(moment)}||{message_type}|{control_id}|P|2.5"
        "||||||UNICODE UTF-8"
    )


def pid(record: SourceRecord, facility: Facility) -> str:
    person, address = record.person, record.address
    identifiers = (
        f"{record.mrn}^^^{facility.key}&{_oid(systems.mrn_system(facility.number))}&ISO^MR"
    )
    if record.id_number:
        identifiers += f"~{record.id_number}^^^&{_oid(systems.CITIZEN_ID)}&ISO^NNCHN"
    sex = "M" if record.sex == "male" else "F"
    xad = (
        f"{escape(address.road + address.building + address.unit + address.room)}^"
        f"{escape(address.street)}^{address.city}^{address.province}^{address.postal_code}^CHN^H"
        f"^^{address.district}"
    )
    marital = f"{person.marital_status}^{MARITAL_DISPLAY[person.marital_status]}^GBT2261.2"
    ethnic = f"{person.ethnicity}^{ETHNICITY_DISPLAY[person.ethnicity]}^GBT3304"
    fields = [
        "PID",
        "1",
        "",
        identifiers,
        "",
        f"{escape(record.family_name)}^{escape(record.given_name)}",
        "",
        stamp(record.birth_date),
        sex,
        "",
        "",
        xad,
        "",
        f"{record.phone}^PRN^CP",
        "",
        "",
        marital,
        "",
        "",
        "",
        "",
        "",
        ethnic,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    if person.death_date is not None:
        fields[29], fields[30] = stamp(person.death_date), "Y"
    return "|".join(fields).rstrip("|")


def pv1(visit: Visit, facility: Facility) -> str:
    doctor = visit.practitioner
    fields = [""] * 46
    fields[0], fields[1] = "PV1", "1"
    fields[2] = PATIENT_CLASS.get(visit.kind, "O")
    fields[3] = f"{escape(visit.department)}^^^{facility.key}"
    fields[7] = f"{doctor.licence}^{doctor.family_name}^{doctor.given_name}"
    fields[19] = visit.id.replace("-", "")[:20]
    if visit.kind == "inpatient":
        fields[36] = "20" if visit.died else "01"
        fields[45] = stamp(visit.end)
    fields[44] = stamp(visit.start)
    return "|".join(fields).rstrip("|")


def _message(*segments: str) -> str:
    return "\r".join(segments) + "\r"


def adt(pid_segment: str, facility: Facility, visit: Visit) -> str:
    event = "A01" if visit.kind == "inpatient" else "A04"
    control = "A" + visit.id.replace("-", "")[:19]
    return _message(
        msh(facility, visit.start, f"ADT^{event}^ADT_A01", control),
        f"EVN|{event}|{stamp(visit.start)}",
        pid_segment,
        pv1(visit, facility),
    )


def death_update(record: SourceRecord, facility: Facility, died: dt.date) -> str:
    moment = dt.datetime.combine(died, dt.time(23, 59))
    control = "D" + record.patient_id.replace("-", "")[:19]
    return _message(
        msh(facility, moment, "ADT^A08^ADT_A01", control),
        f"EVN|A08|{stamp(moment)}",
        pid(record, facility),
        "PV1|1|N",
    )


def oru(pid_segment: str, facility: Facility, report: LabReport) -> str:
    visit = report.visit
    order = report.id.replace("-", "")[:20]
    observed, issued = stamp(visit.start), stamp(report.issued)
    doctor = visit.practitioner
    segments = [
        msh(facility, report.issued, "ORU^R01^ORU_R01", "R" + order[:19]),
        pid_segment,
        pv1(visit, facility),
        f"ORC|RE|{order}|{order}|||||||||{doctor.licence}^{doctor.family_name}^{doctor.given_name}",
        f"OBR|1|{order}|{order}|{report.panel.loinc}^{report.panel.display}^LN|||{observed}"
        f"||||||||{doctor.licence}^{doctor.family_name}^{doctor.given_name}||||||{issued}|||F",
    ]
    for number, result in enumerate(report.results, 1):
        test = result.test
        flag = "H" if result.value > test.high else "L" if result.value < test.low else "N"
        segments.append(
            f"OBX|{number}|NM|{test.loinc}^{test.display}^LN||{result.value:g}|{test.unit}"
            f"|{test.low:g}-{test.high:g}|{flag}|||F|||{observed}"
        )
    return _message(*segments)


def person_messages(
    care: PersonCare, records: list[SourceRecord], facilities: dict[str, Facility]
) -> Iterator[tuple[str, str]]:
    """(institution key, message) for each visit, lab report and recorded death, in time order."""
    record_of = {record.facility: record for record in records}
    pid_of = {r.facility: pid(r, facilities[r.facility]) for r in records}  # same in every message
    events: list[tuple[dt.datetime, str, str]] = []
    for visit in care.visits:
        key = visit.facility
        events.append((visit.start, key, adt(pid_of[key], facilities[key], visit)))
    for report in care.lab_reports:
        key = report.visit.facility
        events.append((report.issued, key, oru(pid_of[key], facilities[key], report)))
    died = care.person.death_date
    if died is not None and care.visits:
        key = max(care.visits, key=lambda v: v.start).facility
        moment = dt.datetime.combine(died, dt.time(23, 59))
        events.append((moment, key, death_update(record_of[key], facilities[key], died)))
    events.sort(key=lambda event: event[0])
    return ((key, message) for _, key, message in events)
