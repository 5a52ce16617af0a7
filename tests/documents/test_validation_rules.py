"""One deliberately broken document per rule: each mutation of a valid document fires its rule.

The valid documents are in corpus/valid/; the broken ones are made here from the 门(急)诊病历
by a small text mutation, so each case shows exactly what it breaks.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from kangtong.documents.validation import Report, Severity, StaticCodes, validate_bytes

CORPUS = Path(__file__).parent / "corpus"
VALID = sorted((CORPUS / "valid").glob("*.xml"))
BASE = (CORPUS / "valid" / "c0002-outpatient.xml").read_text(encoding="utf-8")


def validate(text: str) -> Report:
    return validate_bytes(text.encode("utf-8"), StaticCodes())


def replace(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def without(pattern: str) -> str:
    changed = re.sub(pattern, "", BASE, count=1, flags=re.DOTALL)
    assert changed != BASE, pattern
    return changed


PATIENT_IDS = (
    'root="2.16.156.10011.1.11"',
    'root="2.16.156.10011.1.12"',
    'root="2.16.156.10011.1.3"',
)

# rule id → the broken document (severity follows from the rule: see docs/documents.md)
BROKEN: dict[str, str] = {
    "XML-SYNTAX": replace("<title>门(急)诊病历</title>", "<title>门(急)诊病历</titel>"),
    "XML-DOCTYPE": replace("<ClinicalDocument ", '<!DOCTYPE c SYSTEM "c.dtd">\n<ClinicalDocument '),
    "CDA-S-ROOT": replace('xmlns="urn:hl7-org:v3"', 'xmlns="urn:example"'),
    "CDA-S-MISSING": without(r"<custodian .*?</custodian>"),
    "CDA-S-REPEATED": replace(
        "<title>门(急)诊病历</title>", "<title>门诊</title><title>急诊</title>"
    ),
    "CDA-S-ORDER": replace('<languageCode code="zh-CN"/>', "").replace(
        "<setId/>", '<setId/><languageCode code="zh-CN"/>'
    ),
    "CDA-S-UNKNOWN": replace("<setId/>", "<setId/><remark>备注</remark>"),
    "CDA-S-SETID-PAIR": replace("<versionNumber/>", ""),
    "CDA-S-BODY": replace(
        "</structuredBody>", "</structuredBody><nonXMLBody><text>x</text></nonXMLBody>"
    ),
    "CDA-S-SECTION-CODE": without(r'<code code="10154-3"[^>]*/>'),
    "CDA-S-II": replace('<typeId root="2.16.840.1.113883.1.3" ', "<typeId "),
    "CDA-S-CODE": replace('<confidentialityCode code="N" ', "<confidentialityCode "),
    "CDA-S-TS": replace('<birthTime value="19800517"/>', '<birthTime value="1980-05-17"/>'),
    "CDA-H-REALM": replace('<realmCode code="CN"/>', '<realmCode code="US"/>'),
    "CDA-H-TYPEID": replace("POCD_HD000040", "POCD_RM000040"),
    "CDA-H-TEMPLATE": replace("2.16.156.10011.2.1.1.22", "2.16.156.10011.2.1.1.99"),
    "CDA-H-TYPE-CODE": replace(
        'codeSystem="2.16.156.10011.2.4"', 'codeSystem="2.16.156.10011.2.4.1"'
    ),
    "CDA-H-TYPE-UNKNOWN": replace("2.16.156.10011.2.1.1.22", "1.2.3").replace(
        'code="C0002"', 'code="C0099"'
    ),
    "CDA-H-ID": replace('<id root="2.16.156.10011.1.1" ', '<id root="文档" '),
    "CDA-H-TIME": replace(
        '<effectiveTime value="20250311093000"/>', '<effectiveTime value="20250231093000"/>'
    ),
    "CDA-H-PATIENT-ID": BASE.replace(PATIENT_IDS[0], 'root="1.2.3.1"')
    .replace(PATIENT_IDS[1], 'root="1.2.3.2"')
    .replace(PATIENT_IDS[2], 'root="1.2.3.3"'),
    "CDA-H-CITIZEN-ID": replace("520102198005171236", "520102198005171237"),
    "CDA-H-AUTHOR": replace(
        '<id root="2.16.156.10011.1.7" extension="110520100000001"/>', '<id nullFlavor="NI"/>'
    ),
    "CDA-H-CUSTODIAN": replace("<name>贵阳市示例人民医院</name>", "<name> </name>"),
    "CDA-T-SECTION": replace('code="10154-3"', 'code="10154-4"'),
    "CDA-T-ENTRY": replace("DE05.01.024.00", "DE05.01.025.00"),
    "CDA-C-CODE": replace(
        '<administrativeGenderCode code="1"', '<administrativeGenderCode code="3"'
    ),
    "CDA-P-PLACEHOLDER": replace('extension="MZ20250311001"', 'extension="000000000000"'),
}
WARNINGS = {"CDA-H-CITIZEN-ID", "CDA-H-TYPE-UNKNOWN", "CDA-C-CODE", "CDA-P-PLACEHOLDER"}


@pytest.mark.parametrize("document", VALID, ids=[p.stem for p in VALID])
def test_every_valid_corpus_document_passes_without_a_warning(document: Path) -> None:
    report = validate_bytes(document.read_bytes(), StaticCodes())
    assert report.valid
    assert [f for f in report.findings if f.severity is not Severity.INFORMATION] == []


@pytest.mark.parametrize("rule_id", sorted(BROKEN))
def test_each_broken_document_fires_exactly_its_rule(rule_id: str) -> None:
    report = validate(BROKEN[rule_id])
    fired = {f.rule_id for f in report.findings if f.severity is not Severity.INFORMATION}
    assert fired == {rule_id}
    assert report.valid is (rule_id in WARNINGS)
    for finding in report.findings:
        assert finding.message_zh and finding.xpath.startswith("/")


def test_a_syntax_error_finding_carries_its_line() -> None:
    (finding,) = validate(BROKEN["XML-SYNTAX"]).findings
    assert finding.line == BASE[: BASE.index("<title>门(急)诊病历")].count("\n") + 1


def test_a_finding_points_at_the_element_by_xpath_and_line() -> None:
    (finding,) = validate(BROKEN["CDA-C-CODE"]).findings
    assert (
        finding.xpath
        == "/ClinicalDocument/recordTarget/patientRole/patient/administrativeGenderCode"
    )
    assert finding.line == BASE[: BASE.index("<administrativeGenderCode")].count("\n") + 1


def bad_entries(count: int) -> str:
    """The 门(急)诊病历 with `count` sibling entries in its first section, each a bad TS."""
    entry = (
        '<entry><observation classCode="OBS" moodCode="EVN"><code code="x"/>'
        '<effectiveTime value="bad"/></observation></entry>'
    )
    at = BASE.index("</section>")
    return BASE[:at] + entry * count + BASE[at:]


def test_sibling_findings_are_numbered_by_their_place() -> None:
    findings = validate(bad_entries(3)).findings
    places = [f.xpath.split("/entry")[1].split("/")[0] for f in findings]
    assert places == ["[1]", "[2]", "[3]"]


def test_many_sibling_findings_cost_linear_time() -> None:
    """Placing each finding used to count its siblings again: 20,000 bad entries (2 MB) took
    minutes; one count per parent takes well under a second."""
    started = time.perf_counter()
    report = validate(bad_entries(20_000))
    assert len(report.findings) == 20_000
    assert report.findings[-1].xpath.endswith("/entry[20000]/observation/effectiveTime")
    assert time.perf_counter() - started < 15


def test_a_placeholder_patient_name_is_a_warning() -> None:
    report = validate(replace("<name>王晓明</name>", "<name>测试</name>"))
    assert report.valid
    assert report.rule_ids() == {"CDA-P-PLACEHOLDER"}


def test_structure_errors_stop_the_header_rules() -> None:
    broken = without(r"<custodian .*?</custodian>").replace('<realmCode code="CN"/>', "")
    assert validate(broken).rule_ids() == {"CDA-S-MISSING"}


def test_an_unconfirmed_section_rule_is_information_only() -> None:
    report = validate(without(r"<component>\s*<section>\s*<code code=\"18776-5\".*?</component>"))
    assert report.valid
    assert report.rule_ids() == {"CDA-T-SECTION-UNCONFIRMED"}
    assert {f.severity for f in report.findings} == {Severity.INFORMATION}


def test_without_a_code_lookup_no_code_is_judged() -> None:
    assert validate_bytes(BROKEN["CDA-C-CODE"].encode()).findings == ()


def test_a_gb18030_document_validates_like_its_utf8_twin() -> None:
    gb = BASE.replace('encoding="UTF-8"', 'encoding="GB18030"').encode("gb18030")
    assert validate_bytes(gb, StaticCodes()).findings == ()


def test_the_type_id_of_ws_t_500s_examples_is_accepted_like_cda_r2s() -> None:
    assert validate(replace("POCD_HD000040", "POCD_MT000040")).findings == ()


@pytest.mark.parametrize(
    "value", ["20250311093000.123456", "20250311093000.5+0800", "20250311093000-0500", "20250311"]
)
def test_a_timestamp_the_cda_schema_allows_is_no_finding(value: str) -> None:
    """The schema's `ts` pattern allows a fraction of any length and a zone after seconds."""
    effective = replace(
        '<effectiveTime value="20250311093000"/>', f'<effectiveTime value="{value}"/>'
    )
    assert validate(effective).findings == ()


def test_a_template_id_for_another_type_is_an_error() -> None:
    """Part n of WS/T 500 is templateId 2.16.156.10011.2.1.1.(20+n), whatever other types use."""
    report = validate(replace("2.16.156.10011.2.1.1.22", "2.16.156.10011.2.1.1.21"))
    assert report.rule_ids() == {"CDA-H-TEMPLATE"}


def test_empty_values_of_optional_elements_are_not_findings() -> None:
    """WS/T 500's examples leave optional values empty: `<time value=""/>`, `<code code=""/>`."""
    extra = (
        '<legalAuthenticator><time value=""/><signatureCode/>'
        "<assignedEntity><id/></assignedEntity></legalAuthenticator>"
    )
    assert (
        validate(
            replace(
                "  <component>\n    <structuredBody>",
                extra + "\n  <component>\n    <structuredBody>",
            )
        ).findings
        == ()
    )


def test_a_configured_ws_t_483_type_gets_its_rules_from_the_deployments_table() -> None:
    """WS/T 483 codes are unconfirmed: a deployment's table names the code, system and template."""
    from kangtong.documents.doctypes import DocumentTypes

    row = {"standard": "WS/T 483", "part": 10, "name": "传染病报告", "code": "B0010",
           "codeSystem": "9.9.9", "templateId": "9.9.9.10", "identity": "configured",
           "sections": [{"code": "12345-6", "name": "传染病章节", "status": "standard"}]}  # fmt: skip
    types = DocumentTypes.from_json({"types": [row]})
    report_card = replace("2.16.156.10011.2.1.1.22", "9.9.9.10").replace(
        'code="C0002" codeSystem="2.16.156.10011.2.4"', 'code="B0010" codeSystem="9.9.9"'
    )
    report = validate_bytes(report_card.encode(), StaticCodes(), types)
    assert report.rule_ids() == {"CDA-T-SECTION"}
    assert "传染病章节" in report.findings[0].message_zh


def test_a_reference_range_of_quantities_is_no_time_value() -> None:
    """`<value xsi:type="IVL_PQ"><low value="3.5" unit="mmol/L"/>` is a quantity, not a TS."""
    lab = (Path(__file__).parent / "samples" / "c0007-lab-report.xml").read_bytes()
    assert b'xsi:type="IVL_PQ"' in lab
    found = validate_bytes(lab, StaticCodes())
    assert "CDA-S-TS" not in {f.rule_id for f in found.findings}
    bad_interval = lab.replace(
        b'xsi:type="IVL_PQ"', b'xsi:type="IVL_TS"', 1
    )  # the same bounds as times: 3.5 is no TS
    assert "CDA-S-TS" in {f.rule_id for f in validate_bytes(bad_interval, StaticCodes()).findings}


def test_a_subsection_without_a_code_is_no_finding() -> None:
    """CDA R2 makes Section.code optional: only the coded top-level sections are required."""
    nested = replace(
        "<text>反复咳嗽3天</text>\n",
        "<text>反复咳嗽3天</text>\n"
        "          <component><section><title>补充</title><text>夜间加重</text></section></component>\n",
    )
    assert "CDA-S-SECTION-CODE" not in {f.rule_id for f in validate(nested).findings}
    assert validate(nested).valid
