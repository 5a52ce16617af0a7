"""A citizen ID that fails GB 11643 — or that the platform flagged — is no proof of identity for
the master index; a valid one still is (ADR 0027)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kangtong.core.config import Settings
from kangtong.fhir.identifier_flags import CHECK_FAILED
from kangtong.mpi.compare.base import MISSING
from kangtong.mpi.compare.identity import ID_EXACT, compare_citizen_ids
from kangtong.mpi.normalise.citizen_ids import normalise_citizen_id
from kangtong.mpi.normalise.record import RecordNormaliser
from kangtong.mpi.patients import identity_of
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from tests.unit.mpi.test_service import (
    CITIZEN_ID,
    HOSPITAL_A,
    HOSPITAL_B,
    citizen_id,
    ingest,
    patient,
    person_of,
    trust_shipped_weights,
)

GOOD_ID = citizen_id("52010219800305123")
BAD_ID = GOOD_ID[:-1] + ("1" if GOOD_ID[-1] != "1" else "2")  # wrong check character


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    """A region whose model is trusted: links need no valid ID, only enough evidence."""
    built = build_platform(settings, database=database)
    trust_shipped_weights(built)
    yield built
    built.events.stop()


def brothers(number: str) -> tuple[dict[str, object], dict[str, object]]:
    """Two men of one family, born the same day: with one ID number the model links them."""
    li_ming = patient("p1", HOSPITAL_A, "M1", "李明", "male", "1980-03-05", id_number=number)
    li_liang = patient("p2", HOSPITAL_B, "X1", "李亮", "male", "1980-03-05", id_number=number)
    return li_ming, li_liang


def test_one_bad_citizen_id_on_two_people_does_not_link_them(platform: Platform) -> None:
    ingest(platform, *brothers(BAD_ID))
    assert person_of(platform.mpi, "p1") != person_of(platform.mpi, "p2")


def test_one_valid_citizen_id_still_links_the_same_two_records(platform: Platform) -> None:
    ingest(platform, *brothers(GOOD_ID))
    assert person_of(platform.mpi, "p1") == person_of(platform.mpi, "p2")


def test_an_equal_number_that_fails_its_check_is_no_evidence_either_way() -> None:
    good, bad = normalise_citizen_id(GOOD_ID), normalise_citizen_id(BAD_ID)
    assert compare_citizen_ids(good, good) == ID_EXACT
    assert compare_citizen_ids(bad, bad) == MISSING


def test_a_number_the_platform_flagged_is_read_as_failing_its_check() -> None:
    flagged, _ = brothers(GOOD_ID)
    identifiers = flagged["identifier"]
    assert isinstance(identifiers, list)
    identifiers[1] = {**identifiers[1], "extension": [{"url": CHECK_FAILED, "valueCode": "date"}]}
    assert identifiers[1]["system"] == CITIZEN_ID
    record = RecordNormaliser().normalise(identity_of(flagged))
    assert record.citizen_id is not None and record.citizen_id.text == GOOD_ID
    assert record.valid_id is None
    assert "id-invalid" in record.findings
    plain = RecordNormaliser().normalise(identity_of(brothers(GOOD_ID)[0]))
    assert plain.valid_id == GOOD_ID
