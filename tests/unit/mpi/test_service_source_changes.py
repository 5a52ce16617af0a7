"""Source Patients change after they were linked: a deleted one leaves the MPI (its person is
rebuilt from the records left, or deactivated), an updated one is matched again when its
identity changed, and an update that leaves the identity alone changes no master person."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kangtong.core.config import Settings
from kangtong.mpi.features import block_keys
from kangtong.mpi.filing import EMPTY_FEATURES
from kangtong.mpi.patients import identity_of
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.store.records import DeliveredEvent
from tests.unit.mpi.test_service import (
    CTX,
    DOUBTFUL,
    HOSPITAL_A,
    HOSPITAL_B,
    RESIDENTS,
    ingest,
    linked_patients,
    person,
    person_of,
    trust_shipped_weights,
)

ZHANG_A, ZHANG_B, TWIN_1, TWIN_2, WANG = RESIDENTS


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    built = build_platform(settings, database=database)
    trust_shipped_weights(built)
    yield built


def delete(platform: Platform, patient_id: str) -> None:
    platform.service.delete(CTX, "Patient", patient_id)
    platform.events.drain()


def filed(platform: Platform, patient_id: str) -> bool:
    with platform.db.read() as conn:
        return platform.mpi.writer.index.source(conn, patient_id) is not None


def indexed_under_own_keys(platform: Platform, person_id: str, patient: dict[str, Any]) -> bool:
    """Whether the blocking index still finds `person_id` under the keys of `patient`."""
    record = platform.mpi.normaliser.normalise(identity_of(patient))
    keys = block_keys(record, platform.mpi.schema.blocking_rules)
    with platform.db.read() as conn:
        found = platform.mpi.writer.index.candidates(conn, keys, 200)
    return person_id in [p.person_id for p in found]


def matched(platform: Platform, patient: dict[str, Any]) -> list[str]:
    return [m.person_id for m in platform.mpi.match(CTX, patient)]


def test_a_deleted_patient_is_unlinked_and_its_person_rebuilt_from_the_others(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    delete(platform, "b1")
    assert not filed(platform, "b1")
    golden = person(platform, zhang)
    assert linked_patients(platform, zhang) == ["a1"]
    assert golden["active"] is True
    identifiers = {(i["system"], i["value"]) for i in golden["identifier"]}
    assert (HOSPITAL_A, "M1") in identifiers
    assert (HOSPITAL_B, "X9") not in identifiers  # the deleted record's MRN is gone too
    assert [m.patients for m in platform.mpi.match(CTX, ZHANG_A)] == [("a1",)]


def test_a_person_left_with_no_source_record_is_deactivated_and_no_longer_matched(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    wang = person_of(platform.mpi, "c1")
    assert matched(platform, WANG) == [wang]
    delete(platform, "c1")
    left = person(platform, wang)  # still readable: deactivated, not deleted
    assert left["active"] is False
    assert "link" not in left and "name" not in left and "identifier" not in left
    assert matched(platform, WANG) == []
    assert not indexed_under_own_keys(platform, wang, WANG)  # its blocking keys are gone
    with platform.db.read() as conn:
        features = platform.mpi.writer.index.person(conn, wang)
    assert features is not None and features.features == EMPTY_FEATURES


def test_deleting_a_patient_withdraws_its_open_review(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    ingest(platform, DOUBTFUL)
    [review] = platform.mpi.reviews(CTX)
    delete(platform, "r1")
    assert platform.mpi.reviews(CTX) == []
    [withdrawn] = platform.mpi.reviews(CTX, "withdrawn")
    assert (withdrawn.id, withdrawn.decided_by) == (review.id, "mpi")


def test_a_redelivered_deletion_changes_nothing_and_a_recreated_patient_is_linked_again(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    delete(platform, "b1")
    version = platform.service.read(CTX, "Person", zhang).version
    platform.mpi.handle_events([DeliveredEvent(1, "Patient.deleted", "Patient", "b1", 2, 0, None)])
    assert platform.service.read(CTX, "Person", zhang).version == version
    ingest(platform, ZHANG_B)  # the same id stored again: a new version after the deletion
    assert person_of(platform.mpi, "b1") == zhang
    assert linked_patients(platform, zhang) == ["a1", "b1"]


def test_an_updated_patient_that_is_now_someone_else_is_relinked(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    zhang, wang = person_of(platform.mpi, "a1"), person_of(platform.mpi, "c1")
    # Hospital B corrects a mix-up: X9 is in fact 王芳 (her ID, name, birth date and phone).
    corrected = {**WANG, "id": "b1", "identifier": ZHANG_B["identifier"] + WANG["identifier"][1:]}
    ingest(platform, corrected)
    assert person_of(platform.mpi, "b1") == wang
    assert linked_patients(platform, zhang) == ["a1"]
    assert linked_patients(platform, wang) == ["b1", "c1"]
    link = next(
        x for x in person(platform, wang)["link"] if x["target"]["reference"] == "Patient/b1"
    )
    methods = [e["valueCode"] for e in link["extension"] if e["url"].endswith("mpi-link-method")]
    assert methods == ["auto"]


def test_an_updated_patient_that_no_longer_matches_anyone_gets_a_person_of_its_own(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    stranger = {
        **ZHANG_B,
        "name": [{"use": "official", "text": "欧阳娜娜"}],
        "gender": "female",
        "birthDate": "2001-11-30",
        "telecom": [{"system": "phone", "value": "13500009999"}],
        "address": [{"text": "花溪区溪北路8号"}],
    }
    ingest(platform, stranger)
    alone = person_of(platform.mpi, "b1")
    assert alone != zhang
    assert linked_patients(platform, alone) == ["b1"]
    assert linked_patients(platform, zhang) == ["a1"]


def test_a_corrected_patient_keeps_its_link_and_its_person_shows_the_new_values(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    corrected = {
        **ZHANG_B,
        "identifier": [*ZHANG_B["identifier"], {"system": HOSPITAL_B, "value": "X9-2"}],
    }
    ingest(platform, corrected)
    assert person_of(platform.mpi, "b1") == zhang
    identifiers = {(i["system"], i["value"]) for i in person(platform, zhang)["identifier"]}
    assert {(HOSPITAL_B, "X9"), (HOSPITAL_B, "X9-2")} <= identifiers


def test_an_update_outside_the_identity_fields_writes_no_new_person_version(
    platform: Platform,
) -> None:
    ingest(platform, *RESIDENTS)
    zhang = person_of(platform.mpi, "a1")
    version = platform.service.read(CTX, "Person", zhang).version
    married = {**ZHANG_B, "maritalStatus": {"text": "已婚"}}
    ingest(platform, married)
    assert platform.service.read(CTX, "Person", zhang).version == version
    with platform.db.read() as conn:
        link = platform.mpi.writer.index.source(conn, "b1")
    assert link is not None and link.patient_version == 2  # the version is noted all the same


def test_sync_takes_out_source_records_whose_patient_is_gone(platform: Platform) -> None:
    ingest(platform, *RESIDENTS)
    wang = person_of(platform.mpi, "c1")
    platform.service.delete(CTX, "Patient", "c1")  # deleted, the event not delivered (yet) …
    assert filed(platform, "c1")
    outcomes = platform.mpi.sync(CTX)  # … a catch-up finds it
    assert outcomes["removed"] == 1 and outcomes["unchanged"] == 4
    assert not filed(platform, "c1")
    assert person(platform, wang)["active"] is False
