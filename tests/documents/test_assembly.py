"""Assembly (组装服务): CDA documents from the synthetic district's FHIR data.

Every document `synth --formats cda` writes is well-formed, carries the WS/T 500 header, and
shows every coded FHIR fact of its sections (ICD-10 diagnoses, LOINC results with their units
and reference ranges, medicines, vaccines). `check_document` is where the project's validator
is called too once it is merged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from lxml import etree

from kangtong.documents.assembly import (
    AssemblyOptions,
    EncounterRecord,
    ResourceIndex,
    UnknownDocumentType,
    applicable_types,
    assemble,
    stable_id,
    template_for,
)
from kangtong.documents.validation import Severity, StaticCodes, validate_bytes
from kangtong.synth import SynthConfig, generate_district

NS = {"v3": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
ICD10 = "2.16.156.10011.2.3.3.11"
LOINC = "2.16.840.1.113883.6.1"
TEMPLATE_IDS = {
    "C0002": "2.16.156.10011.2.1.1.22",
    "C0007": "2.16.156.10011.2.1.1.27",
    "C0053": "2.16.156.10011.2.1.1.73",
}
TITLES = {
    "C0002": "门(急)诊病历",
    "C0007": "检验记录",
    "C0053": "出院小结",
    "WST483-10": "传染病报告卡",
}
# Which FHIR data each type's sections show (catalogue.json), as the test reads FHIR itself.
SHOWS = {
    "C0002": {"diagnoses", "vitals", "labs", "medications", "immunizations"},
    "C0007": {"diagnoses", "labs"},
    "C0053": {"diagnoses", "vitals", "labs", "medications"},
    "WST483-10": {"notifiable", "labs"},
}
PEOPLE = 120  # enough for every type: 4 notifiable diagnoses with this seed


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(SynthConfig(people=PEOPLE, formats=("fhir", "cda")), out)
    return out


@pytest.fixture(scope="module")
def index(district: Path) -> ResourceIndex:
    found = ResourceIndex()
    for path in sorted((district / "fhir").glob("*.ndjson")):
        found.add(orjson.loads(line) for line in path.read_bytes().splitlines() if line)
    return found


def parse(document: bytes) -> Any:
    return etree.fromstring(document, SAFE)


def xpath(tree: Any, path: str) -> list[Any]:
    found: list[Any] = tree.xpath(path, namespaces=NS)
    return found


def check_document(document: bytes, type_code: str) -> Any:
    """Valid by the project's own validator, with the WS/T 500 header rules read back by XPath;
    returns the parsed tree."""
    report = validate_bytes(document, StaticCodes())
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert report.valid and not errors, [(f.rule_id, f.xpath, f.message_zh) for f in errors]
    tree = parse(document)
    assert xpath(tree, "/v3:ClinicalDocument/v3:realmCode/@code") == ["CN"]
    assert xpath(tree, "/v3:ClinicalDocument/v3:typeId/@root") == ["2.16.840.1.113883.1.3"]
    assert xpath(tree, "/v3:ClinicalDocument/v3:typeId/@extension") == ["POCD_HD000040"]
    template = template_for(type_code)
    assert xpath(tree, "/v3:ClinicalDocument/v3:templateId/@root") == [template.template_id]
    if type_code in TEMPLATE_IDS:
        assert template.template_id == TEMPLATE_IDS[type_code]
    assert xpath(tree, "/v3:ClinicalDocument/v3:code/@code") == [template.code]
    assert xpath(tree, "/v3:ClinicalDocument/v3:code/@codeSystem") == ["2.16.156.10011.2.4"]
    assert xpath(tree, "string(/v3:ClinicalDocument/v3:title)") == TITLES[type_code]
    assert xpath(tree, "/v3:ClinicalDocument/v3:id/@root")[0].count(".") >= 2
    assert len(xpath(tree, "/v3:ClinicalDocument/v3:id/@extension")[0]) == 36  # a UUID
    time = xpath(tree, "/v3:ClinicalDocument/v3:effectiveTime/@value")[0]
    assert len(time) == 19 and time.endswith("+0800"), time
    assert xpath(tree, "/v3:ClinicalDocument/v3:confidentialityCode/@code")[0] in ("N", "R")
    assert xpath(tree, "/v3:ClinicalDocument/v3:languageCode/@code") == ["zh-CN"]
    role = "/v3:ClinicalDocument/v3:recordTarget/v3:patientRole"
    roots = xpath(tree, f"{role}/v3:id/@root")
    assert roots and all(r.startswith("2.16.156.10011.1.") for r in roots)
    assert xpath(tree, f"string({role}/v3:patient/v3:name)")
    assert xpath(tree, f"{role}/v3:patient/v3:administrativeGenderCode/@codeSystem") == [
        "2.16.156.10011.2.3.3.4"
    ]
    assert xpath(tree, f"{role}/v3:patient/v3:administrativeGenderCode/@code")[0] in "0129"
    assert xpath(tree, "/v3:ClinicalDocument/v3:author/v3:time/@value")
    assert xpath(tree, "/v3:ClinicalDocument/v3:author/v3:assignedAuthor/v3:id/@root")
    custodian = "/v3:ClinicalDocument/v3:custodian//v3:representedCustodianOrganization"
    assert xpath(tree, f"{custodian}/v3:id/@extension")
    assert xpath(tree, f"string({custodian}/v3:name)")
    assert xpath(tree, "//v3:componentOf/v3:encompassingEncounter/v3:effectiveTime/v3:low/@value")
    for section in xpath(tree, "//v3:structuredBody/v3:component/v3:section"):
        assert xpath(section, "v3:code/@codeSystem") == [LOINC]
        assert xpath(section, "v3:text"), "every section has a narrative"
    return tree


def fhir_codes(record: EncounterRecord, shows: set[str]) -> set[tuple[str, ...]]:
    """The coded facts of the record that the document's sections show, read from FHIR."""
    codes: set[tuple[str, ...]] = set()
    if shows & {"diagnoses", "notifiable"}:
        for condition in record.conditions:
            for coding in condition["code"]["coding"]:
                if coding["system"] == f"urn:oid:{ICD10}":
                    codes.add(("diagnosis", coding["code"]))
    for observation in record.observations:
        category = observation["category"][0]["coding"][0]["code"]
        if {"laboratory": "labs", "vital-signs": "vitals"}.get(category) not in shows:
            continue
        for part in [observation, *observation.get("component", [])]:
            if "valueQuantity" in part:
                quantity = part["valueQuantity"]
                codes.add(("result", part["code"]["coding"][0]["code"], quantity["code"]))
                for bound in ("low", "high"):
                    for found in part.get("referenceRange", []):
                        if bound in found:
                            codes.add((bound, part["code"]["coding"][0]["code"]))
    if "medications" in shows:
        for request in record.medications:
            codes.add(("medicine", request["medicationCodeableConcept"]["coding"][0]["code"]))
    if "immunizations" in shows:
        for immunization in record.immunizations:
            codes.add(("vaccine", immunization["vaccineCode"]["coding"][0]["code"]))
    return codes


def document_codes(tree: Any) -> set[tuple[str, ...]]:
    """The same kinds of facts, read from the document's coded entries."""
    codes: set[tuple[str, ...]] = set()
    for value in xpath(tree, f"//v3:observation/v3:value[@codeSystem='{ICD10}']"):
        codes.add(("diagnosis", value.get("code")))
    for observation in xpath(tree, f"//v3:observation[v3:code/@codeSystem='{LOINC}']"):
        code = xpath(observation, "v3:code/@code")[0]
        unit = xpath(observation, "v3:value/@unit")[0]
        codes.add(("result", code, unit))
        for bound in ("low", "high"):
            if xpath(observation, f"v3:referenceRange//v3:{bound}/@value"):
                codes.add((bound, code))
    for code in xpath(tree, "//v3:manufacturedLabeledDrug/v3:code/@code"):
        codes.add(("medicine", code))
    for code in xpath(tree, "//v3:manufacturedMaterial/v3:code/@code"):
        codes.add(("vaccine", code))
    return codes


def test_synth_writes_documents_of_every_implemented_type(district: Path) -> None:
    folders = {path.name: list(path.glob("*.xml")) for path in (district / "cda").iterdir()}
    assert set(folders) == set(TITLES)
    assert all(folders.values())


def test_every_synthetic_document_has_the_header_and_the_coded_fhir_content(
    district: Path, index: ResourceIndex
) -> None:
    records = {record.encounter_id: record for record in index.records()}
    checked = 0
    for path in sorted((district / "cda").glob("*/*.xml")):
        type_code, encounter_id = path.parent.name, path.stem
        record = records[encounter_id]
        assert type_code in applicable_types(record)
        tree = check_document(path.read_bytes(), type_code)
        expected = fhir_codes(record, SHOWS[type_code])
        if type_code == "WST483-10":
            expected = {c for c in expected if c[0] != "diagnosis"} | {
                c for c in document_codes(tree) if c[0] == "diagnosis"
            }
            assert any(c[0] == "diagnosis" for c in expected), "a notifiable diagnosis is shown"
        assert expected <= document_codes(tree), (path.name, expected - document_codes(tree))
        checked += 1
    assert checked > 200  # many encounters, not a sample of one


def test_the_document_shows_the_values_and_reference_ranges_of_the_fhir_results(
    index: ResourceIndex,
) -> None:
    record = next(r for r in index.records() if "C0007" in applicable_types(r))
    tree = parse(assemble(record, "C0007"))
    lab = next(
        o for o in record.observations if o["category"][0]["coding"][0]["code"] == "laboratory"
    )
    code = lab["code"]["coding"][0]["code"]
    entry = xpath(tree, f"//v3:observation[v3:code/@code='{code}']")[0]
    assert float(xpath(entry, "v3:value/@value")[0]) == lab["valueQuantity"]["value"]
    assert xpath(entry, "v3:value/@xsi:type") == ["PQ"]
    low = lab["referenceRange"][0]["low"]["value"]
    assert float(xpath(entry, "v3:referenceRange//v3:low/@value")[0]) == low


def test_the_patient_is_identified_by_citizen_id_and_record_number(index: ResourceIndex) -> None:
    record = next(r for r in index.records() if "C0053" in applicable_types(r))
    tree = parse(assemble(record, "C0053"))
    ids = {
        (i.get("root"), i.get("extension"))
        for i in xpath(tree, "//v3:recordTarget/v3:patientRole/v3:id")
    }
    wanted = {
        (ident["system"].removeprefix("urn:oid:"), ident["value"])
        for ident in record.patient["identifier"]
        if ident["system"].startswith("urn:oid:2.16.156.10011.1.")
    }
    assert ids == wanted


def test_a_required_section_without_data_says_none_and_is_kept(index: ResourceIndex) -> None:
    record = next(r for r in index.records() if "C0053" in applicable_types(r))
    bare = EncounterRecord(record.patient, record.encounter, record.custodian, record.author)
    tree = parse(assemble(bare, "C0053"))
    titles = xpath(tree, "//v3:section/v3:title/text()")
    assert "出院带药" in titles and "出院诊断" in titles
    assert "检验检查" not in titles  # optional and empty: left out
    medicines = xpath(tree, "//v3:section[v3:code/@code='10183-2']/v3:text")[0]
    assert "".join(medicines.itertext()) == "无"


def test_text_from_the_record_is_escaped_never_markup(index: ResourceIndex) -> None:
    record = next(iter(index.records()))
    hostile = {**record.patient, "name": [{"text": '</name><script>alert("x")</script>&'}]}
    document = assemble(
        EncounterRecord(hostile, record.encounter, record.custodian, record.author), "C0002"
    )
    tree = parse(document)
    assert not xpath(tree, "//v3:script")
    assert xpath(tree, "string(//v3:patient/v3:name)") == '</name><script>alert("x")</script>&'


def test_characters_xml_cannot_hold_are_replaced_not_written() -> None:
    """FHIR strings may carry U+FFFE/U+FFFF (and, from other writers, controls): XML 1.0 forbids
    them even as references, so the document must still parse, with U+FFFD in their place."""
    patient = {
        "resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1979-03-08",
        "name": [{"text": "张\ufffe丽\uffff\x01"}],
        "identifier": [{"system": "urn:oid:2.16.156.10011.1.11.7", "value": "MZ\ufffe1"}],
    }  # fmt: skip
    encounter = {
        "resourceType": "Encounter", "id": "e1", "status": "finished",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2024-05-01T09:00:00+08:00", "end": "2024-05-01T09:20:00+08:00"},
    }  # fmt: skip
    tree = parse(assemble(EncounterRecord(patient, encounter), "C0002"))
    assert xpath(tree, "string(//v3:patient/v3:name)") == "张\ufffd丽\ufffd\ufffd"
    assert "MZ\ufffd1" in xpath(tree, "//v3:patientRole/v3:id/@extension")


def test_ids_are_fresh_per_document_unless_asked_stable(index: ResourceIndex) -> None:
    record = next(iter(index.records()))
    fresh = {xpath(parse(assemble(record, "C0002")), "//v3:ClinicalDocument/v3:id/@extension")[0]
             for _ in range(2)}  # fmt: skip
    assert len(fresh) == 2
    stable = AssemblyOptions(document_root="1.2.3", new_id=stable_id)
    assert assemble(record, "C0002", stable) == assemble(record, "C0002", stable)
    assert xpath(parse(assemble(record, "C0002", stable)), "/v3:ClinicalDocument/v3:id/@root") == [
        "1.2.3"
    ]


def test_an_unknown_type_is_refused_with_the_known_ones(index: ResourceIndex) -> None:
    record = next(iter(index.records()))
    with pytest.raises(UnknownDocumentType, match="C0053"):
        assemble(record, "C9999")


def test_synthetic_documents_are_the_same_bytes_whatever_the_chunking(
    district: Path, tmp_path: Path
) -> None:
    config = SynthConfig(people=PEOPLE, formats=("cda",), chunk_size=37)
    generate_district(config, tmp_path)
    first = {p.relative_to(district): p.read_bytes() for p in (district / "cda").rglob("*.xml")}
    again = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "cda").rglob("*.xml")}
    assert again == first
