"""Narratives made safe to show (叙述文本的安全显示): `safe_narrative_html` for every page or
document that puts a resource's `text.div` in front of a clinician.

Writes are validated (`model/xhtml.py`: txt-1, txt-2), but a narrative may also come from data
stored before that check, from a region that switched validation off, or from a contained
resource of a document assembled elsewhere; so whatever shows one sanitises it as well. The
sanitiser is nh3 (the Python binding of the Rust crate ammonia, an HTML5-parser-based
allow-list sanitiser): it keeps only the narrative elements FHIR allows, drops every attribute
not on the list (so every event handler and `style`), keeps only http(s), mailto and tel URLs
and relative ones, removes `<script>`/`<style>` with their content, and adds
`rel="noopener noreferrer nofollow"` to links.
"""

from __future__ import annotations

import nh3

from kangtong.fhir.model.xhtml import ATTRIBUTES, ELEMENT_ATTRIBUTES, ELEMENTS

# Attributes kept when showing a narrative: the txt-1 lists less `style` (CSS can overlay or
# restyle the page around it), the `xml:` ones (not HTML) and `rel` (set by the sanitiser).
_SHOWN_EVERYWHERE = frozenset(ATTRIBUTES - {"style", "xml:lang", "xml:space", "accesskey"})
_SHOWN_ON: dict[str, set[str]] = {"*": set(_SHOWN_EVERYWHERE)}
for _pair in sorted(ELEMENT_ATTRIBUTES):
    _element, _attribute = _pair.split(".")
    if _attribute != "rel":
        _SHOWN_ON.setdefault(_element, set()).add(_attribute)

_TAGS = set(ELEMENTS)
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def safe_narrative_html(div: str) -> str:
    """HTML safe to insert into a page: `div` with everything that could run or load removed.

    Text is kept (escaped as needed); the outer `<div>` stays, without its `xmlns`.
    """
    return nh3.clean(
        div,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_SHOWN_ON,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
