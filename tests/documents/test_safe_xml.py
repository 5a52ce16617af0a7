"""Documents come from outside: the parser refuses every trick and reads every honest encoding."""

from __future__ import annotations

import pytest

from kangtong.documents.safe_xml import XmlRefused, parse_xml

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<r>&x;</r>"""
XXE_HTTP = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/secret">]>
<r>&x;</r>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument SYSTEM "http://127.0.0.1:9/cda.dtd">
<ClinicalDocument/>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<r/>"""
LOWER_CASE_DOCTYPE = b"""<!doctype r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"""


@pytest.mark.parametrize(
    "attack",
    [XXE_FILE, XXE_HTTP, BILLION_LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY, LOWER_CASE_DOCTYPE],
    ids=["xxe-file", "xxe-http", "billion-laughs", "external-dtd", "parameter-entity", "lower"],
)
def test_a_doctype_or_entity_is_refused_before_anything_is_expanded(attack: bytes) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(attack)
    assert refused.value.rule_id == "XML-DOCTYPE"
    assert "DOCTYPE" in refused.value.message_zh


def test_a_doctype_in_utf16_is_refused_too() -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(
            XXE_FILE.decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16")
        )
    assert refused.value.rule_id == "XML-DOCTYPE"


def test_an_oversized_document_is_refused_without_being_parsed() -> None:
    data = b"<r>" + b"x" * 2000 + b"</r>"
    with pytest.raises(XmlRefused) as refused:
        parse_xml(data, max_bytes=1000)
    assert refused.value.rule_id == "XML-SIZE"
    assert parse_xml(data, max_bytes=len(data)).getroot().tag == "r"


@pytest.mark.parametrize("levels", [20, 300])
def test_a_document_nested_too_deep_is_refused(levels: int) -> None:
    data = b"<a>" * levels + b"</a>" * levels
    with pytest.raises(XmlRefused) as refused:
        parse_xml(data, max_depth=min(levels - 1, 256))
    assert refused.value.rule_id == "XML-DEPTH"


def test_depth_within_the_limit_is_read() -> None:
    assert parse_xml(b"<a>" * 10 + b"</a>" * 10, max_depth=10).getroot().tag == "a"


@pytest.mark.parametrize("encoding", ["GB18030", "GBK", "UTF-8"])
def test_the_declared_encoding_is_honoured(encoding: str) -> None:
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n<r title="王小明">张三丰·𠀀</r>'
    if encoding == "GBK":
        text = text.replace("·𠀀", "")
    tree = parse_xml(text.encode(encoding.lower()))
    assert tree.getroot().text and tree.getroot().text.startswith("张三丰")
    assert tree.getroot().get("title") == "王小明"


def test_a_utf8_byte_order_mark_is_read() -> None:
    tree = parse_xml('<?xml version="1.0" encoding="UTF-8"?><r>李四</r>'.encode("utf-8-sig"))
    assert tree.getroot().text == "李四"


def test_a_broken_xml_declaration_is_reported_with_its_line() -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b'<?xml version=1.0 encoding="UTF-8"?>\n<r/>')
    assert (refused.value.rule_id, refused.value.line) == ("XML-SYNTAX", 1)


def test_a_broken_attribute_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b'<?xml version="1.0"?>\n<r>\n  <code code="C0001 codeSystem="x"/>\n</r>')
    assert refused.value.rule_id == "XML-SYNTAX"
    assert refused.value.line == 3
    assert refused.value.column is not None
    assert "line 3" in str(refused.value)


def test_bytes_that_are_not_xml_are_refused_not_raised_as_anything_else() -> None:
    for junk in (b"", b"not xml", b"\xff\xfe\x00", b"<r>unclosed"):
        with pytest.raises(XmlRefused):
            parse_xml(junk)


def test_a_doctype_quoted_in_the_text_is_only_text() -> None:
    tree = parse_xml(b"<r><![CDATA[<!DOCTYPE html><!ENTITY x 'y'>]]></r>")
    assert tree.getroot().text == "<!DOCTYPE html><!ENTITY x 'y'>"


def test_a_doctype_after_a_comment_is_refused_before_parsing() -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')
    assert refused.value.rule_id == "XML-DOCTYPE"
    assert "实体声明" in refused.value.message_zh  # the byte check's words, not the parser's


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-32", "utf-32-be"])
def test_a_doctype_in_any_wide_encoding_is_refused_before_parsing(encoding: str) -> None:
    declared = encoding.upper().removesuffix("-BE")
    text = BILLION_LAUGHS.decode().replace('"1.0"?>', f'"1.0" encoding="{declared}"?>')
    with pytest.raises(XmlRefused) as refused:
        parse_xml(text.encode(encoding))
    assert "实体声明" in refused.value.message_zh  # the byte check's words, not the parser's


def test_a_doctype_quoted_in_utf16_text_is_only_text() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><r><![CDATA[<!DOCTYPE html>]]></r>'
    assert parse_xml(text.encode("utf-16")).getroot().text == "<!DOCTYPE html>"


@pytest.mark.parametrize(
    "junk",
    [
        '<?xml version="1.0" encoding="IBM037"?><r/>'.encode("cp037"),
        b'<r a="' + b"x" * (11 * 1024 * 1024) + b'"/>',
    ],
    ids=["ebcdic", "huge-attribute"],
)
def test_a_refusal_is_one_line(junk: bytes) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(junk)
    assert "\n" not in str(refused.value)
    assert "None" not in str(refused.value)


def test_a_depth_refusal_names_its_line_without_an_unknown_column() -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(b"<a>" * 300 + b"</a>" * 300)
    assert str(refused.value).endswith("(line 1)")
