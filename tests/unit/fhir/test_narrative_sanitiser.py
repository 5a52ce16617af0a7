"""`safe_narrative_html`: what a page may show of a narrative, whatever was stored."""

from __future__ import annotations

import pytest

from kangtong.fhir.narrative import safe_narrative_html

NS = 'xmlns="http://www.w3.org/1999/xhtml"'


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (f"<div {NS}><script>alert(1)</script>王芳</div>", "<div>王芳</div>"),
        (f'<div {NS}><img src="x.png" onerror="alert(1)">王芳</div>', '<div><img src="x.png">王芳</div>'),
        (f'<div {NS}><a href="javascript:alert(1)">王芳</a></div>',
         '<div><a rel="noopener noreferrer nofollow">王芳</a></div>'),
        (f'<div {NS}><p onclick="x()" style="position:fixed">王芳</p></div>', "<div><p>王芳</p></div>"),
        (f"<div {NS}><style>body{{display:none}}</style>王芳</div>", "<div>王芳</div>"),
        (f'<div {NS}><iframe src="https://evil.example/"></iframe>王芳</div>', "<div>王芳</div>"),
        (f'<div {NS}><svg><script>alert(1)</script></svg>王芳</div>', "<div>王芳</div>"),
        ("<div><p>a</p><!-- note --><p>b</p></div>", "<div><p>a</p><p>b</p></div>"),
        ('<div><img src="data:text/html,x"></div>', "<div><img></div>"),
    ],
    ids=["script", "onerror", "javascript link", "onclick and style", "style element", "iframe",
         "svg script", "comment", "data url"],
)  # fmt: skip
def test_active_content_is_removed(stored: str, shown: str) -> None:
    assert safe_narrative_html(stored) == shown


def test_basic_formatting_and_safe_links_survive() -> None:
    stored = (
        f'<div {NS}><p class="note"><b>血压</b> 140/90 &lt;高&gt;</p>'
        '<table><tbody><tr><td colspan="2">a</td></tr></tbody></table>'
        '<a href="https://example.org/x">指南</a></div>'
    )
    assert safe_narrative_html(stored) == (
        '<div><p class="note"><b>血压</b> 140/90 &lt;高&gt;</p>'
        '<table><tbody><tr><td colspan="2">a</td></tr></tbody></table>'
        '<a href="https://example.org/x" rel="noopener noreferrer nofollow">指南</a></div>'
    )


def test_text_that_looks_like_markup_stays_text() -> None:
    assert safe_narrative_html("<div>&lt;script&gt;alert(1)&lt;/script&gt;</div>") == (
        "<div>&lt;script&gt;alert(1)&lt;/script&gt;</div>"
    )
