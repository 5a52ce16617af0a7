"""What counts as the signed document behind a staff-recorded Consent (issue 13 review)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kangtong.security.consent_evidence import ConsentEvidence

PDF = "JVBERi0xLjQK"
STORED: dict[tuple[str, str], dict[str, Any]] = {
    ("DocumentReference", "form"): {"subject": {"reference": "Patient/p"}},
    ("DocumentReference", "theirs"): {"subject": {"reference": "Patient/q"}},
    ("Contract", "contract"): {"subject": [{"reference": "Patient/p"}]},
    ("QuestionnaireResponse", "answers"): {"subject": {"reference": "Patient/p"}},
    ("Binary", "scan"): {"contentType": "image/png", "securityContext": {"reference": "Patient/p"}},
    ("Binary", "loose"): {"contentType": "application/pdf"},
    ("Observation", "obs"): {"subject": {"reference": "Patient/p"}},
}


def _stored(res_type: str, res_id: str) -> Mapping[str, Any] | None:
    return STORED.get((res_type, res_id))


def _holds(**source: Any) -> bool:
    consent = {"resourceType": "Consent", "patient": {"reference": "Patient/p"}, **source}
    return ConsentEvidence(_stored).holds(consent)


def test_an_attached_pdf_or_image_with_its_data_is_evidence() -> None:
    assert _holds(sourceAttachment={"contentType": "application/pdf", "data": PDF})
    assert _holds(sourceAttachment={"contentType": "image/jpeg", "data": PDF})


def test_an_attachment_without_the_document_is_not() -> None:
    assert not _holds(sourceAttachment={"title": "x"})
    assert not _holds(sourceAttachment={"contentType": "application/pdf", "data": "  "})
    assert not _holds(sourceAttachment={"contentType": "text/plain", "data": PDF})
    assert not _holds(sourceAttachment={"contentType": "application/pdf", "url": "Binary/none"})
    assert not _holds(sourceAttachment={"contentType": "application/pdf",
                                        "url": "https://elsewhere.example/Binary/scan"})  # fmt: skip


def test_an_attachment_url_must_name_a_stored_document_of_the_patient() -> None:
    assert _holds(sourceAttachment={"contentType": "image/png", "url": "Binary/scan"})
    assert _holds(
        sourceAttachment={"contentType": "application/pdf", "url": "DocumentReference/form"}
    )
    assert not _holds(sourceAttachment={"contentType": "application/pdf", "url": "Binary/loose"})
    assert not _holds(sourceAttachment={"contentType": "application/pdf",
                                        "url": "DocumentReference/theirs"})  # fmt: skip


def test_a_source_reference_must_resolve_to_a_document_of_the_patient() -> None:
    for reference in ("DocumentReference/form", "Contract/contract",
                      "QuestionnaireResponse/answers", "Binary/scan"):  # fmt: skip
        assert _holds(sourceReference={"reference": reference}), reference
    assert not _holds(sourceReference={"display": "signed on paper"})
    assert not _holds(sourceReference={"reference": "DocumentReference/theirs"})
    assert not _holds(sourceReference={"reference": "DocumentReference/none"})
    assert not _holds(sourceReference={"reference": "Observation/obs"})


def test_no_patient_no_evidence() -> None:
    consent = {"resourceType": "Consent",
               "sourceAttachment": {"contentType": "application/pdf", "data": PDF}}  # fmt: skip
    assert not ConsentEvidence(_stored).holds(consent)
