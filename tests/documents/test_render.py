"""Rendering a CDA document as zh-CN HTML (issue 15, Render): golden pages, the header facts,
every section, escaping of everything the document carries, GB18030, and render time.

Golden files: `KANGTONG_UPDATE_GOLDEN=1 pytest tests/documents/test_render.py` rewrites
tests/documents/golden/*.html from the current renderer; review the diff before committing.
"""

from __future__ import annotations

import os
import statistics
import time
from html.parser import HTMLParser

import pytest
from lxml import etree

from kangtong.core.errors import Invalid
from kangtong.documents.render import render_html
from tests.documents.cda_samples import GOLDEN, SAMPLE_NAMES, parse, sample, sample_bytes

UPDATE_GOLDEN = os.environ.get("KANGTONG_UPDATE_GOLDEN") == "1"
HL7 = "urn:hl7-org:v3"


class PageMarkup(HTMLParser):
    """Every element and attribute of a rendered page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def markup(page: str) -> PageMarkup:
    parsed = PageMarkup()
    parsed.feed(page)
    parsed.close()
    return parsed


# What the renderer itself writes: the page chrome and the narrative allow-list.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "section", "h1", "h2",
    "h3", "h4", "h5", "h6", "p", "dl", "dt", "dd", "div", "span", "strong", "small", "table",
    "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "ul", "ol", "li",
    "br", "sub", "sup", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "lang", "charset", "name", "content", "http-equiv", "class", "aria-label", "scope",
    "colspan", "rowspan", "href", "rel",
}  # fmt: skip


def assert_nothing_runs(page: str) -> None:
    """No element, attribute or link outside what the renderer writes: nothing can run."""
    parsed = markup(page)
    assert set(parsed.tags) <= ALLOWED_TAGS, set(parsed.tags) - ALLOWED_TAGS
    for tag, name, value in parsed.attributes:
        assert name in ALLOWED_ATTRIBUTES, (tag, name, value)
        if name == "href":
            assert value.lower().startswith(("http://", "https://")), value
        if name in {"colspan", "rowspan"}:
            assert value.isdigit(), value
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


# ---- golden pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_rendering_matches_its_golden_page(name: str) -> None:
    page = render_html(sample(name))
    golden = GOLDEN / f"{name}.html"
    if UPDATE_GOLDEN:
        golden.write_text(page, encoding="utf-8")
    assert golden.exists(), f"no golden page: run with KANGTONG_UPDATE_GOLDEN=1 to write {golden}"
    assert page == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_page_is_a_self_contained_chinese_page(name: str) -> None:
    page = render_html(sample(name))
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert_nothing_runs(page)


# ---- what the page says ---------------------------------------------------------------------


def test_header_shows_patient_institution_authors_and_times_as_the_document_states_them() -> None:
    page = render_html(sample("c0053-discharge-summary"))
    text = "".join(markup(page).text)
    for fact in (
        "出院小结", "RN-20240305-0001", "2024年3月5日 14:30 (+0800)", "正常访问保密级别",
        "张伟", "男性", "1980年1月1日", "44岁", "住院号", "ZY2024000123",
        "居民身份证号", "520102198001010017", "贵阳市第一人民医院", "李医生", "王主任",
        "2024年3月1日 09:00 (+0800) 至 2024年3月5日 14:00 (+0800)", "心血管内科 / 心内科三病区",
    ):  # fmt: skip
        assert fact in text, fact


def test_sex_code_without_display_name_is_named_from_gb_t_2261_1() -> None:
    text = "".join(markup(render_html(sample("c0004-prescription"))).text)
    assert "未说明的性别" in text
    assert "2024年3月10日 09:30 (-0500)" in text  # a timezone other than +0800 stays visible


def test_title_falls_back_to_the_type_display_name() -> None:
    page = render_html(sample("wst483-infectious-report"))
    assert "<h1>传染病报告卡</h1>" in page


def test_every_section_is_shown_in_document_order_nested_ones_included() -> None:
    document = sample("c0053-discharge-summary")
    titles = [t.text for t in document.iter(f"{{{HL7}}}title")][1:]  # [0] is the document's
    text = "".join(markup(render_html(document)).text)
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert titles == ["入院诊断", "住院过程", "出院诊断", "生命体征", "出院时血压", "出院医嘱"]


def test_a_section_without_narrative_or_entries_says_it_is_empty() -> None:
    page = render_html(sample("c0053-discharge-summary"))
    empty_section = page[page.index("出院医嘱") :]
    assert '<p class="empty">无内容</p>' in empty_section


def test_lab_entries_show_values_units_interpretation_and_reference_ranges() -> None:
    text = "".join(markup(render_html(sample("c0007-lab-report"))).text)
    for fact in ("11.2 10*9/L", "偏高 (H)", "参考范围：3.5–9.5 10*9/L", "参考范围：115–150 g/L",
                 "A型 (1)", "否"):  # fmt: skip
        assert fact in text, fact


def test_medication_entries_show_drug_dose_route_and_frequency() -> None:
    text = "".join(markup(render_html(sample("c0004-prescription"))).text)
    for fact in ("盐酸二甲双胍片", "剂量：500 mg", "途径：口服 (1)", "频次：每 12 h",
                 "时间：2024年3月10日 至 2024年3月17日", "0.5g×30片", "36.50 元"):  # fmt: skip
        assert fact in text, fact


def test_narrative_keeps_its_structure_and_only_bold_italics_underline_styles() -> None:
    page = render_html(sample("c0007-lab-report"))
    assert '<td colspan="4">标本：静脉血<br>采集时间' in page
    assert "<caption>血常规</caption>" in page
    assert '<span class="bold">11.2</span>' in page
    assert '<span class="media">[多媒体内容，不在此显示]</span>' in page
    report = render_html(sample("wst483-infectious-report"))
    assert '<span class="bold underline">肺结核</span>' in report


def test_a_non_xml_body_shows_its_media_type_and_never_its_content() -> None:
    document = parse(
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>\xe5\xa4\x96\xe9\x83\xa8</title>'
        b'<component><nonXMLBody><text mediaType="application/pdf" representation="B64">'
        b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</text></nonXMLBody></component></ClinicalDocument>"
    )
    page = render_html(document)
    assert "媒体类型：application/pdf。附件不在此显示。" in page
    assert "PHNjcmlwdD5" not in page


def test_a_root_other_than_clinical_document_is_refused() -> None:
    with pytest.raises(Invalid, match="ClinicalDocument"):
        render_html(parse(b"<ClinicalDocument/>"))  # no HL7 namespace


# ---- escaping -------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' onmouseover='alert(1)",
    "]]><![CDATA[<script>alert(1)</script>",
    'Bold 2" onclick="alert(1)',  # a real style code / digits first, then an attribute
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_every_field_and_attribute_never_becomes_markup(payload: str) -> None:
    """Each text node and each attribute of a sample, one at a time, set to the payload."""
    original = sample("c0007-lab-report")
    fields = [(n, None) for n in original.iter() if isinstance(n.tag, str)]
    fields += [(n, name) for n in original.iter() if isinstance(n.tag, str) for name in n.attrib]
    for node, attribute in fields:
        document = sample("c0007-lab-report")
        target = _same_node(document, original, node)
        if attribute is None:
            target.text = payload
        else:
            target.set(attribute, payload)
        try:
            page = render_html(document)
        except Invalid:
            continue  # only the root's own identity can make it not a ClinicalDocument
        assert_nothing_runs(page)


def _same_node(
    document: etree._Element, original: etree._Element, node: etree._Element
) -> etree._Element:
    path = original.getroottree().getpath(node)
    found = document.getroottree().xpath(path)
    assert found, path
    return found[0]


HOSTILE_NARRATIVES = {
    "script element": "<script>alert(1)</script>",
    "xhtml element": '<img xmlns="http://www.w3.org/1999/xhtml" src="x" onerror="alert(1)"/>',
    "event attribute": '<paragraph onclick="alert(1)" styleCode="Bold">点我</paragraph>',
    "style attribute": '<content style="background:url(javascript:alert(1))">样式</content>',
    "javascript link": '<linkHtml href="javascript:alert(1)">链接</linkHtml>',
    "data link": '<linkHtml href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">数据</linkHtml>',
    "quoted link": '<linkHtml href="https://a.cn/&quot; onclick=&quot;alert(1)">引号</linkHtml>',
    "span attribute": '<table><tbody><tr><td colspan="2&quot; onclick=&quot;x">格</td></tr></tbody></table>',
    "style code": '<content styleCode="Bold &quot;onclick=&quot;alert(1)">粗</content>',
    "cdata": "<paragraph><![CDATA[<script>alert(1)</script>]]></paragraph>",
    "entities": "<paragraph>&lt;script&gt;alert(1)&lt;/script&gt;&#60;b&#62;</paragraph>",
    "comment": "<paragraph><!-- <script>alert(1)</script> -->注释</paragraph>",
    "processing instruction": "<paragraph><?php echo 1; ?>指令</paragraph>",
}


@pytest.mark.parametrize("narrative", HOSTILE_NARRATIVES.values(), ids=HOSTILE_NARRATIVES.keys())
def test_hostile_narrative_markup_is_converted_or_shown_as_text(narrative: str) -> None:
    xml = sample_bytes("c0053-discharge-summary").replace(
        "<paragraph>入院后予降压、调脂治疗，血压控制平稳。</paragraph>".encode(),
        narrative.encode(),
    )
    assert narrative.encode() in xml
    page = render_html(parse(xml))
    assert_nothing_runs(page)
    assert "<script" not in page


def test_narrative_nested_past_the_limit_is_shown_as_text_not_lost() -> None:
    """A tree deeper than any parse the product accepts (built here in memory) still renders."""
    document = sample("c0053-discharge-summary")
    paragraph = next(document.iter(f"{{{HL7}}}paragraph"))
    node = paragraph
    for _ in range(500):
        node = etree.SubElement(node, f"{{{HL7}}}content", styleCode="Bold")
    node.text = "<script>最深处</script>"
    page = render_html(document)
    assert "&lt;script&gt;最深处&lt;/script&gt;" in page
    assert_nothing_runs(page)


def test_script_written_as_text_is_shown_as_text() -> None:
    xml = sample_bytes("c0053-discharge-summary").replace(
        "<title>住院过程</title>".encode(), b"<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"
    )
    page = render_html(parse(xml))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page


# ---- encodings and time ---------------------------------------------------------------------


def test_gb18030_document_renders_the_same_chinese_as_its_utf8_form() -> None:
    utf8 = sample_bytes("c0004-prescription")
    gb18030 = (
        utf8.decode("utf-8").replace('encoding="UTF-8"', 'encoding="GB18030"').encode("gb18030")
    )
    assert gb18030 != utf8
    page = render_html(parse(gb18030))
    assert "陈建国" in page and "盐酸二甲双胍片" in page
    assert page == render_html(parse(utf8))


def large_document(target_bytes: int = 40_000) -> bytes:
    """The lab sample grown to ~`target_bytes` by repeating its result section."""
    xml = sample_bytes("c0007-lab-report").decode("utf-8")
    start = xml.index("<component>\n        <section>")
    end = xml.index("</structuredBody>")
    section = xml[start:end]
    copies = max(1, (target_bytes - len(xml.encode())) // len(section.encode()) + 1)
    return (xml[:start] + section * (copies + 1) + xml[end:]).encode("utf-8")


def test_a_40_kb_document_renders_well_inside_the_50_ms_budget() -> None:
    data = large_document()
    assert 20_000 <= len(data) <= 50_000
    document = parse(data)
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        render_html(document)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    print(f"render of {len(data)} bytes: median {median:.2f} ms, max {max(timings):.2f} ms")
    assert median < 50
