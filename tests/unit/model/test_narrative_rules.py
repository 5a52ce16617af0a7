"""The FHIR R4 narrative rules (txt-1, txt-2, the XHTML `<div>`) as `narrative_findings` sees
them: what is refused, what is not, and why."""

from __future__ import annotations

import pytest

from kangtong.fhir.model.xhtml import narrative_findings, unsafe_url

NS = 'xmlns="http://www.w3.org/1999/xhtml"'


def div(inner: str) -> str:
    return f"<div {NS}>{inner}</div>"


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("<script>x()</script>t", "the element <script> is not allowed"),
        ("<iframe/>t", "the element <iframe> is not allowed"),
        ("<object/>t", "the element <object> is not allowed"),
        ("<embed/>t", "the element <embed> is not allowed"),
        ("<form/>t", "the element <form> is not allowed"),
        ("<style>p{}</style>t", "the element <style> is not allowed"),
        ("<link/>t", "the element <link> is not allowed"),
        ('<img src="a.png" onerror="x()"/>', "the event handler attribute onerror on <img>"),
        ('<p ONCLICK="x()">t</p>', "the event handler attribute ONCLICK on <p>"),
        ('<a href="javascript:x()">t</a>', "a.href: the URL scheme javascript: is not allowed"),
        ('<a href=" JavaScript:x()">t</a>', "a.href: the URL scheme javascript: is not allowed"),
        (
            '<a href="java&#10;script:x()">t</a>',
            "a.href: the URL scheme javascript: is not allowed",
        ),
        ('<a href="vbscript:x">t</a>', "a.href: the URL scheme vbscript: is not allowed"),
        ('<img src="data:image/svg+xml,&lt;svg/&gt;"/>', "img.src: the URL scheme data:"),
        ('<a href="data:image/png;base64,AA==">t</a>', "a.href: the URL scheme data:"),
        ('<p xmlns:x="urn:x" x:y="1">t</p>', "the attribute {urn:x}y is not allowed on <p>"),
        ('<span href="a">t</span>', "the attribute href is not allowed on <span>"),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>t', "<svg> in the namespace http://www.w3"),
    ],
)
def test_active_content_breaks_txt_1(inner: str, expected: str) -> None:
    found = narrative_findings(div(inner))
    assert not found.structure
    assert any(message.startswith(expected) for message in found.txt1), found.txt1


@pytest.mark.parametrize(
    "inner",
    [
        "王芳，女",
        '<p class="x" id="a" title="t" lang="zh" xml:lang="zh" dir="ltr">t</p>',
        '<table border="1"><tbody><tr><th scope="col">a</th><td colspan="2">b</td></tr></tbody></table>',
        '<a href="https://example.org/a?b=c#d">t</a><a href="#frag">t</a><a name="n">t</a>',
        '<a href="Patient/123">t</a><a href="mailto:x@example.org">t</a>',
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="a"/>',
        '<span style="color: red">t</span><!-- a comment --><br/>',
        "<ul><li>a</li></ul><ol><li>b</li></ol><dl><dt>c</dt><dd>d</dd></dl><pre>e</pre>",
    ],
)
def test_basic_formatting_is_a_valid_narrative(inner: str) -> None:
    found = narrative_findings(div(inner))
    assert (found.structure, found.txt1, found.has_content) == ([], [], True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<div>t</div>", "the narrative must be a <div> in the XHTML namespace"),
        (f"<p {NS}>t</p>", "narrative XHTML must be a single <div> element"),
        (f"<div {NS}>t", "narrative is not well-formed XHTML: no element found"),
        (f"<div {NS}>t</div><div {NS}>u</div>", "narrative is not well-formed XHTML: junk"),
        (f"<div {NS}>&nbsp;</div>", "narrative is not well-formed XHTML: undefined entity"),
        (f"<!DOCTYPE div><div {NS}>t</div>", "narrative XHTML must be a single <div>"),
        (f"<div {NS}><?php x ?>t</div>", "narrative XHTML may not hold processing instructions"),
    ],
)
def test_what_is_not_an_xhtml_div_is_a_structure_error(text: str, expected: str) -> None:
    assert any(m.startswith(expected) for m in narrative_findings(text).structure)


def test_a_billion_laughs_is_refused_without_expanding_an_entity() -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<!DOCTYPE div [<!ENTITY l0 "lol">{laughs}]><div {NS}>&l9;</div>'
    assert narrative_findings(bomb).structure == ["narrative XHTML must be a single <div> element"]


def test_a_dtd_after_the_div_starts_is_refused_by_the_parser() -> None:
    text = f'<div {NS}><!DOCTYPE x [<!ENTITY a "b">]>&a;</div>'
    assert narrative_findings(text).structure


@pytest.mark.parametrize("inner", ["", "  \n\t", "<p> </p><br/>", "<!-- only a comment -->"])
def test_a_narrative_without_content_breaks_txt_2(inner: str) -> None:
    found = narrative_findings(div(inner))
    assert (found.structure, found.txt1, found.has_content) == ([], [], False)


def test_an_image_alone_is_content() -> None:
    assert narrative_findings(div('<img src="#photo" alt=""/>')).has_content


def test_a_hostile_narrative_reports_a_handful_of_problems_not_all() -> None:
    found = narrative_findings(div("".join(f'<p onx{i}="y">t</p>' for i in range(50))))
    assert len(found.txt1) == 5


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://a.example/x", True),
        ("//a.example/x", True),
        ("../Patient/1", True),
        ("#section", True),
        ("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", True),
        ("tel:+86-10-12345678", True),
        ("javascript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("jav\u0000ascript:alert(1)", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_harmless_urls_are_allowed(url: str, allowed: bool) -> None:
    assert (unsafe_url("a", url) is None) == allowed
