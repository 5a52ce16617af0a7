"""What counts as the resident's signed decision behind a Consent staff record (issue 13, review).

Presence was not enough: `sourceAttachment: {"title": "x"}` opened an HIV diagnosis. Evidence
is now a document of *this* patient:
- an attachment of a document type (application/pdf, image/*) that carries the document
  (`data`, non-empty) or points at one the platform stores (`url` = `Binary/…` or
  `DocumentReference/…`, relative, of the same patient);
- or a `sourceReference` to a stored DocumentReference, Contract, QuestionnaireResponse or
  Binary whose subject/patient (a Binary's `securityContext`) is the Consent's patient.
The platform cannot check a signature on paper; it checks that a document of the patient is
there to be checked (docs/security.md says what staff can still do).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from kangtong.security.facts import patient_ids
from kangtong.store.database import Database
from kangtong.store.repository import ResourceRepository

DOCUMENTS = frozenset({"DocumentReference", "Contract", "QuestionnaireResponse", "Binary"})
ATTACHED = frozenset({"Binary", "DocumentReference"})
# (resource type, id) → the stored current content, None when absent or deleted.
StoredLookup = Callable[[str, str], Mapping[str, Any] | None]


def document_type(content_type: object) -> bool:
    """A PDF or an image, however the media type is written (case, parameters)."""
    if not isinstance(content_type, str):
        return False
    media = content_type.split(";")[0].strip().lower()
    return media == "application/pdf" or media.startswith("image/")


def consent_patient(consent: Mapping[str, Any]) -> str | None:
    found = patient_ids("Consent", consent)
    return next(iter(found)) if len(found) == 1 else None


class ConsentEvidence:
    def __init__(self, stored: StoredLookup) -> None:
        self.stored = stored

    def holds(self, consent: Mapping[str, Any]) -> bool:
        """The Consent carries, or points at, a stored document of its own patient."""
        patient = consent_patient(consent)
        if patient is None:
            return False
        attachment = consent.get("sourceAttachment")
        if isinstance(attachment, Mapping) and self._attachment(attachment, patient):
            return True
        reference = consent.get("sourceReference")
        if isinstance(reference, Mapping):
            return self._document(reference.get("reference"), patient, DOCUMENTS)
        return False

    def _attachment(self, attachment: Mapping[str, Any], patient: str) -> bool:
        if not document_type(attachment.get("contentType")):
            return False
        data = attachment.get("data")
        if isinstance(data, str) and data.strip():
            return True
        return self._document(attachment.get("url"), patient, ATTACHED)

    def _document(self, reference: object, patient: str, types: frozenset[str]) -> bool:
        if not isinstance(reference, str) or reference.count("/") != 1:
            return False
        res_type, res_id = reference.split("/")
        if res_type not in types or not res_id:
            return False
        found = self.stored(res_type, res_id)
        return found is not None and patient in _patients_of(res_type, found)


def _patients_of(res_type: str, resource: Mapping[str, Any]) -> frozenset[str]:
    if res_type != "Binary":
        return patient_ids(res_type, resource)
    context = resource.get("securityContext")
    ref = context.get("reference") if isinstance(context, Mapping) else None
    if isinstance(ref, str) and ref.startswith("Patient/"):
        return frozenset({ref.removeprefix("Patient/")})
    return frozenset()


class StoredResources:
    """Implements `StoredLookup` on the store (current, not deleted)."""

    def __init__(self, db: Database, repository: ResourceRepository) -> None:
        self._db = db
        self._repository = repository

    def __call__(self, res_type: str, res_id: str) -> Mapping[str, Any] | None:
        with self._db.read() as conn:
            state = self._repository.current(conn, res_type, res_id)
        if state is None or state.deleted or not state.content:
            return None
        found = orjson.loads(state.content)
        return found if isinstance(found, dict) else None
